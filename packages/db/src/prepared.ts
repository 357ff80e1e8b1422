import type { Knex } from "knex";
import { withConnection } from "./connection.ts";

/** A statement Postgres parses and plans once per connection, then runs by name. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/**
 * Runs a named prepared statement on a pooled connection, bypassing knex's query builder: for the few
 * hot statements whose building and planning per call would cost more than running them.
 */
export async function runPrepared<Row>(db: Knex, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  return withConnection(db, async (connection) => {
    const result = await connection.query({ name: statement.name, text: statement.text, values });
    return result.rows as Row[];
  });
}

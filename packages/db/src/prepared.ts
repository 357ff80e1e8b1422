import type { Knex } from "knex";

/** A statement Postgres parses and plans once per connection, then runs by name. */
export interface PreparedStatement {
  name: string;
  text: string;
}

interface PgConnection {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a named prepared statement on a pooled connection, bypassing knex's query builder: for the few
 * hot statements whose building and planning per call would cost more than running them.
 */
export async function runPrepared<Row>(db: Knex, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as PgConnection;
  try {
    const result = await connection.query({ name: statement.name, text: statement.text, values });
    return result.rows as Row[];
  } finally {
    await db.client.releaseConnection(connection);
  }
}

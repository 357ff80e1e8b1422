// A throwaway Postgres schema for the bench: every table the catalog, the kit and the console read,
// migrated there, so a million rows never reach the shared tables; dropped at the end however it ends.
import { catalogMigrations } from "@hooklog/event-catalog";
import { consumerKitMigrations } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { consoleMigrations } from "../src/migrations/index.ts";

export interface BenchSchema {
  name: string;
  /** Connections whose search_path is the bench schema alone. */
  db: Knex;
  drop(): Promise<void>;
}

/** The URL with `-c search_path=<schema>`, so every pooled connection (the kit's, the console's) lands there. */
function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

export async function createBenchSchema(databaseUrl: string, name: string): Promise<BenchSchema> {
  const admin = connectDatabase(databaseUrl, { applicationName: "hooklog-bench-console", poolMax: 1 });
  try {
    await admin.raw("select 1");
  } catch (error) {
    await admin.destroy();
    throw new Error(`Postgres at ${databaseUrl} is not reachable (${(error as Error).message}); is the stack up? npm run infra:status`);
  }
  await admin.raw("create schema ??", [name]);
  const db = connectDatabase(withSearchPath(databaseUrl, name), { applicationName: "hooklog-bench-console", poolMax: 10 });
  const drop = async (): Promise<void> => {
    await db.destroy();
    await admin.raw("drop schema if exists ?? cascade", [name]);
    await admin.destroy();
  };
  try {
    const schema = ((await db.raw("select current_schema() as schema")).rows as Array<{ schema: string }>)[0]?.schema;
    if (schema !== name) throw new Error(`the bench's connections landed in schema ${schema}, not ${name}`);
    await migrateLatest(db, [consumerKitMigrations, catalogMigrations, consoleMigrations]);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, db, drop };
}

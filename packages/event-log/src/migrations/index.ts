import type { MigrationSet } from "@hooklog/db";
import * as acceptedEvents from "./0001_accepted_events.ts";

/**
 * The dedup ledger's tables, run by every writer of the log (ingest, reconciliation) as it starts.
 * Names are never changed: a database migrated when one knex_migrations held every migration is matched by them.
 */
export const eventLogMigrations: MigrationSet = {
  owner: "event_log",
  migrations: [["0001_accepted_events", acceptedEvents]],
};

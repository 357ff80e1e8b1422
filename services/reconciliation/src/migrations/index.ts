import type { MigrationSet } from "@hooklog/db";
import * as reconciliation from "./0005_reconciliation.ts";

/** Reconciliation's checkpoints and run log. Names are never changed: a database migrated when one knex_migrations held every migration is matched by them. */
export const reconciliationMigrations: MigrationSet = {
  owner: "reconciliation",
  migrations: [["0005_reconciliation", reconciliation]],
};

import type { MigrationSet } from "@hooklog/db";
import * as fulfillmentTasks from "./0003_fulfillment_tasks.ts";
import * as refundFirst from "./0007_fulfillment_refund_first.ts";

/** Fulfillment's projection. Names are never changed: a database migrated when one knex_migrations held every migration is matched by them. */
export const fulfillmentMigrations: MigrationSet = {
  owner: "fulfillment",
  migrations: [
    ["0003_fulfillment_tasks", fulfillmentTasks],
    ["0007_fulfillment_refund_first", refundFirst],
  ],
};

import type { MigrationSet } from "@hooklog/db";
import * as catalog from "./0011_catalog.ts";
import * as deliveryOutcome from "./0014_catalog_delivery_outcome.ts";

/** The catalog's projection of the log. Names are never changed. */
export const catalogMigrations: MigrationSet = {
  owner: "catalog",
  migrations: [
    ["0011_catalog", catalog],
    ["0014_catalog_delivery_outcome", deliveryOutcome],
  ],
};

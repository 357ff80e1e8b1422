import type { MigrationSet } from "@hooklog/db";
import * as catalog from "./0011_catalog.ts";

/** The catalog's projection of the log. Names are never changed. */
export const catalogMigrations: MigrationSet = {
  owner: "catalog",
  migrations: [["0011_catalog", catalog]],
};

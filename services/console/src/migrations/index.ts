import type { MigrationSet } from "@hooklog/db";
import * as consoleActions from "./0012_console_actions.ts";

/** The console's own table: the record of who did what. Names are never changed. */
export const consoleMigrations: MigrationSet = {
  owner: "console",
  migrations: [["0012_console_actions", consoleActions]],
};

import type { MigrationSet } from "@hooklog/db";
import * as deliveryAttempts from "./0015_route_delivery_attempts.ts";

/** What routes keep: each delivery attempt. Names are never changed. */
export const routesMigrations: MigrationSet = {
  owner: "routes",
  migrations: [["0015_route_delivery_attempts", deliveryAttempts]],
};

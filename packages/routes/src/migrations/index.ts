import type { MigrationSet } from "@hooklog/db";
import * as deliveryAttempts from "./0015_route_delivery_attempts.ts";
import * as circuits from "./0016_route_circuits.ts";

/** What routes keep: each delivery attempt, each destination's circuit. Names are never changed. */
export const routesMigrations: MigrationSet = {
  owner: "routes",
  migrations: [
    ["0015_route_delivery_attempts", deliveryAttempts],
    ["0016_route_circuits", circuits],
  ],
};

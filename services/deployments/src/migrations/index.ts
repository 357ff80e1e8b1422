import type { MigrationSet } from "@hooklog/db";
import * as deploymentEnvironments from "./0004_deployment_environments.ts";

/** Deployments' projection. Names are never changed: a database migrated before issue 12 is matched by them. */
export const deploymentsMigrations: MigrationSet = {
  owner: "deployments",
  migrations: [["0004_deployment_environments", deploymentEnvironments]],
};

import type { MigrationSet } from "@hooklog/db";
import * as deploymentEnvironments from "./0004_deployment_environments.ts";
import * as environmentVersions from "./0009_deployment_environment_versions.ts";

/** Deployments' projection. Names are never changed: a database migrated when one knex_migrations held every migration is matched by them. */
export const deploymentsMigrations: MigrationSet = {
  owner: "deployments",
  migrations: [
    ["0004_deployment_environments", deploymentEnvironments],
    ["0009_deployment_environment_versions", environmentVersions],
  ],
};

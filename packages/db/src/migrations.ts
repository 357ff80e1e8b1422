import type { Knex } from "knex";
import * as acceptedEvents from "./migrations/0001_accepted_events.ts";
import * as consumerKit from "./migrations/0002_consumer_kit.ts";
import * as fulfillmentTasks from "./migrations/0003_fulfillment_tasks.ts";
import * as deploymentEnvironments from "./migrations/0004_deployment_environments.ts";
import * as reconciliation from "./migrations/0005_reconciliation.ts";
import * as effectCallAttempts from "./migrations/0006_effect_call_attempts.ts";
import { withSessionLock } from "./session-lock.ts";

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, in order. Listed in code (not globbed) so the type checker sees each one. */
const migrations: ReadonlyArray<readonly [string, Migration]> = [
  ["0001_accepted_events", acceptedEvents],
  ["0002_consumer_kit", consumerKit],
  ["0003_fulfillment_tasks", fulfillmentTasks],
  ["0004_deployment_environments", deploymentEnvironments],
  ["0005_reconciliation", reconciliation],
  ["0006_effect_call_attempts", effectCallAttempts],
];

const source: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

/** Any fixed number: the key of the session lock every migrating process queues on. */
const MIGRATION_LOCK_KEY = 7_432_001n;

/**
 * Brings the schema up to date. Services migrate as they start, often together: knex's own lock
 * table is created without a lock, so the whole run is serialised on a Postgres advisory lock.
 */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  return withSessionLock(knex, MIGRATION_LOCK_KEY, async () => {
    const [, applied] = (await knex.migrate.latest({ migrationSource: source })) as [number, string[]];
    return applied;
  });
}

export async function rollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource: source }, true);
}

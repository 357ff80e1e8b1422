import type { Knex } from "knex";
import { carryOverLegacyHistory } from "./legacy-history.ts";
import { withSessionLock } from "./session-lock.ts";

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * One owner's migrations, in order: the package or service whose tables they create. Listed in code
 * (not globbed) so the type checker sees each one.
 */
export interface MigrationSet {
  /** Lower-case letters and underscores; names the owner's history table, knex_migrations_<owner>. */
  owner: string;
  migrations: ReadonlyArray<readonly [name: string, migration: Migration]>;
}

/** Any fixed number: the key of the session lock every migrating process queues on (the same as when packages/db held every migration, so old and new code queue together). */
const MIGRATION_LOCK_KEY = 7_432_001n;

/** Each owner has a history of its own, so a process that runs only some owners' sets passes knex's check that every recorded migration is known. */
const historyTable = (set: MigrationSet): string => `knex_migrations_${set.owner}`;

function migratorConfig(set: MigrationSet): Knex.MigratorConfig {
  const source: Knex.MigrationSource<readonly [string, Migration]> = {
    getMigrations: async () => [...set.migrations],
    getMigrationName: ([name]) => name,
    getMigration: async ([, migration]) => migration,
  };
  return { migrationSource: source, tableName: historyTable(set) };
}

/**
 * Brings the given owners' tables up to date, in the order given; returns what ran as owner/name.
 * Services migrate as they start, often together: knex's own lock table is created without a lock,
 * so the whole run is serialised on a Postgres advisory lock.
 */
export async function migrateLatest(knex: Knex, sets: readonly MigrationSet[]): Promise<string[]> {
  return withSessionLock(knex, MIGRATION_LOCK_KEY, async () => {
    const applied: string[] = [];
    for (const set of sets) {
      await carryOverLegacyHistory(
        knex,
        historyTable(set),
        set.migrations.map(([name]) => name),
      );
      const [, names] = (await knex.migrate.latest(migratorConfig(set))) as [number, string[]];
      applied.push(...names.map((name) => `${set.owner}/${name}`));
    }
    return applied;
  });
}

/** Undoes every migration of the given owners, the last owner first. */
export async function rollbackAll(knex: Knex, sets: readonly MigrationSet[]): Promise<void> {
  await withSessionLock(knex, MIGRATION_LOCK_KEY, async () => {
    for (const set of [...sets].reverse()) await knex.migrate.rollback(migratorConfig(set), true);
  });
}

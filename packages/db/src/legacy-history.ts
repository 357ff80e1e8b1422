import type { Knex } from "knex";

/** Before each owner kept its own migrations, packages/db held every owner's migrations and recorded them all in this one table. */
const LEGACY_HISTORY = "knex_migrations";

/**
 * Gives an owner's new history table the rows the single legacy history has of its migrations, once,
 * as that table is created: on a database migrated when one knex_migrations held every migration nothing runs again, and knex's
 * check that every recorded migration is known still holds per owner. The legacy table is left as
 * it is (older code reading it after a rollback still finds its six rows).
 */
export async function carryOverLegacyHistory(knex: Knex, history: string, names: readonly string[]): Promise<void> {
  if (await knex.schema.hasTable(history)) return;
  if (!(await knex.schema.hasTable(LEGACY_HISTORY))) return;
  const rows = (await knex(LEGACY_HISTORY).whereIn("name", names).orderBy("id").select("name", "batch", "migration_time")) as Array<{
    name: string;
    batch: number;
    migration_time: Date;
  }>;
  if (rows.length === 0) return;
  // One transaction: an empty history table left by a crash would have every migration run again.
  await knex.transaction(async (trx) => {
    // The columns of knex's own history table (knex/lib/migrations/migrate/table-creator.js).
    await trx.schema.createTable(history, (table) => {
      table.increments();
      table.string("name");
      table.integer("batch");
      table.timestamp("migration_time");
    });
    await trx(history).insert(rows);
  });
}

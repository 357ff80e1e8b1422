import type { Knex } from "@hooklog/db";

/** Reconciliation's checkpoint per source and its run log (what each run looked at and did). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("reconciliation_checkpoints", (table) => {
    table.text("source").primary();
    table.timestamp("checkpoint", { useTz: true }).notNullable();
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable("reconciliation_runs", (table) => {
    table.bigIncrements("id").primary();
    table.text("source").notNullable();
    table.timestamp("window_start", { useTz: true }).notNullable();
    table.timestamp("window_end", { useTz: true }).notNullable();
    table.integer("events_seen").notNullable().defaultTo(0);
    table.integer("gaps_found").notNullable().defaultTo(0);
    table.integer("backfilled").notNullable().defaultTo(0);
    table.jsonb("errors").notNullable().defaultTo("[]");
    table.timestamp("started_at", { useTz: true }).notNullable();
    table.timestamp("finished_at", { useTz: true });
    table.integer("duration_ms");
    table.index(["source", "started_at"], "reconciliation_runs_source_started");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("reconciliation_runs");
  await knex.schema.dropTable("reconciliation_checkpoints");
}

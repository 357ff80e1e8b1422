import type { Knex } from "@hooklog/db";

/**
 * Ingest's deduplication ledger: one row per (source, provider event id) once Kafka has acknowledged
 * the event. Written only after the ack, so it can never hide an event that is not in the log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("accepted_events", (table) => {
    table.text("source").notNullable();
    table.text("provider_event_id").notNullable();
    table.text("event_id").notNullable();
    table.text("topic").notNullable();
    table.text("origin").notNullable();
    table.timestamp("accepted_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["source", "provider_event_id"]);
    table.index(["accepted_at"], "accepted_events_accepted_at");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("accepted_events");
}

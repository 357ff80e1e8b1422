import type { Knex } from "@hooklog/db";

/**
 * The consumer kit's bookkeeping. `processed_events` marks an event handled by a consumer, in the
 * same transaction as the handler's effects; `effect_calls` remembers completed calls outside
 * Postgres (HTTP) by idempotency key; `outbox` holds domain events until relayed to Kafka.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("processed_events", (table) => {
    table.text("consumer").notNullable();
    table.text("event_key").notNullable();
    table.text("event_id").notNullable();
    table.timestamp("processed_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["consumer", "event_key"]);
  });
  await knex.schema.createTable("effect_calls", (table) => {
    table.text("consumer").notNullable();
    table.text("idempotency_key").notNullable();
    table.text("effect").notNullable();
    table.jsonb("result");
    table.integer("attempts").notNullable().defaultTo(0);
    table.timestamp("completed_at", { useTz: true });
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["consumer", "idempotency_key", "effect"]);
  });
  await knex.schema.createTable("outbox", (table) => {
    table.bigIncrements("id").primary();
    table.text("topic").notNullable();
    table.text("message_key").notNullable();
    table.binary("value").notNullable();
    table.jsonb("headers").notNullable();
    table.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp("sent_at", { useTz: true });
    table.index(["sent_at", "id"], "outbox_unsent");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("outbox");
  await knex.schema.dropTable("effect_calls");
  await knex.schema.dropTable("processed_events");
}

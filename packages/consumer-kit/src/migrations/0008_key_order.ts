import type { Knex } from "@hooklog/db";

/**
 * Order per key. `held_keys` names, per consumer and message key, the event whose failure holds the
 * key (it waits in a retry topic or the dead letters); `parked_events` keeps the later events of a held
 * key, in log order, until that event is applied. Both are written in the batch's transaction, with
 * the processed marks, so a restart or a rebalance finds them as they were.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("held_keys", (table) => {
    table.text("consumer").notNullable();
    table.text("message_key").notNullable();
    table.text("held_by").notNullable(); // the event key of the failing event
    table.timestamp("held_since", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["consumer", "message_key"]);
  });
  await knex.schema.createTable("parked_events", (table) => {
    table.bigIncrements("id").primary();
    table.text("consumer").notNullable();
    table.text("message_key").notNullable();
    table.text("event_key").notNullable();
    table.text("topic").notNullable(); // the subscribed topic the event was read from
    table.integer("partition").notNullable();
    table.text("offset").notNullable();
    table.binary("value").notNullable();
    table.jsonb("headers").notNullable();
    table.timestamp("parked_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.unique(["consumer", "event_key"]);
    table.index(["consumer", "message_key", "id"], "parked_events_by_key");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("parked_events");
  await knex.schema.dropTable("held_keys");
}

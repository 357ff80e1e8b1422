import type { Knex } from "@hooklog/db";

/**
 * The catalog: one row per webhook event of every source topic and per delivery of the deliveries
 * topic, for the console to list, filter and search. A projection: truncated and replayed, it comes
 * back the same. Only built-in Postgres features (tsvector, GIN on jsonb): the embedded Postgres may
 * lack extensions such as pg_trgm.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("catalog_events", (table) => {
    table.text("event_id").primary(); // the hub's id
    table.text("source").notNullable();
    table.text("provider").notNullable();
    table.text("provider_event_id").notNullable();
    table.text("type").notNullable();
    table.text("origin").notNullable();
    table.timestamp("received_at", { useTz: true }).notNullable();
    table.timestamp("provider_timestamp", { useTz: true });
    table.text("verification_scheme").notNullable();
    table.integer("secret_index");
    table.text("content_type").notNullable();
    table.jsonb("headers").notNullable();
    // The event's first position in the log: where a replay or `hooklog events show` finds it.
    table.text("topic").notNullable();
    table.integer("partition").notNullable();
    table.text("offset").notNullable();
    table.text("partition_key");
    table.text("trace_id");
    table.jsonb("payload");
    table.text("payload_text");
    // The body when it is neither JSON nor storable text (not UTF-8, or holding NUL bytes).
    table.text("payload_base64");
    table.integer("payload_bytes").notNullable();
    table.timestamp("payload_pruned_at", { useTz: true });
    table.specificType("search", "tsvector").notNullable();
    table.timestamp("cataloged_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Every list is newest first, keyset-paged on (received_at, event_id): each index ends in that
  // order, so the first page of any one filter is an index walk, not a sort of the matches.
  await knex.raw("create index catalog_events_received on catalog_events (received_at desc, event_id desc)");
  await knex.raw("create index catalog_events_source_received on catalog_events (source, received_at desc, event_id desc)");
  await knex.raw("create index catalog_events_type_received on catalog_events (type, received_at desc, event_id desc)");
  await knex.raw("create index catalog_events_provider_event on catalog_events (provider_event_id)");
  await knex.raw('create index catalog_events_entity on catalog_events (partition_key, topic, partition, "offset")');
  await knex.raw("create index catalog_events_payload on catalog_events using gin (payload jsonb_path_ops)");
  await knex.raw("create index catalog_events_search on catalog_events using gin (search)");
  // The payload prune's next batch: the oldest events still holding a payload, whatever was pruned before them.
  await knex.raw("create index catalog_events_unpruned on catalog_events (received_at) where payload_pruned_at is null");

  await knex.schema.createTable("catalog_deliveries", (table) => {
    table.text("delivery_id").primary();
    table.timestamp("received_at", { useTz: true }).notNullable();
    table.text("source").notNullable();
    table.text("request_id").notNullable();
    table.text("client").notNullable();
    table.text("outcome").notNullable(); // accepted | duplicate | ignored | rejected | unavailable
    table.integer("status").notNullable();
    table.text("reason");
    table.bigInteger("body_bytes").notNullable();
    table.text("verification_scheme");
    table.integer("secret_index");
    table.text("verification_failure");
    table.text("hub_event_id");
    table.text("provider_event_id");
    table.text("event_type");
    table.jsonb("headers").notNullable();
    table.timestamp("cataloged_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("create index catalog_deliveries_received on catalog_deliveries (received_at desc, delivery_id desc)");
  await knex.raw("create index catalog_deliveries_source_received on catalog_deliveries (source, received_at desc, delivery_id desc)");
  await knex.raw("create index catalog_deliveries_hub_event on catalog_deliveries (hub_event_id)");
  await knex.raw("create index catalog_deliveries_provider_event on catalog_deliveries (source, provider_event_id)");
  await knex.raw("create index catalog_deliveries_outcome on catalog_deliveries (outcome, reason, received_at)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("catalog_deliveries");
  await knex.schema.dropTable("catalog_events");
}

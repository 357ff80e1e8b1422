import type { Knex } from "@hooklog/db";

/**
 * Deliveries of one outcome (or several), newest first: (outcome, reason, received_at) cannot give
 * `order by received_at desc, delivery_id desc` once the reason is free, so the list sorted every match.
 * Events by when they were cataloged: what a live view polls for (eventsCatalogedSince).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create index catalog_deliveries_outcome_received on catalog_deliveries (outcome, received_at desc, delivery_id desc)");
  await knex.raw("create index catalog_events_cataloged on catalog_events (cataloged_at, event_id)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index catalog_events_cataloged");
  await knex.raw("drop index catalog_deliveries_outcome_received");
}

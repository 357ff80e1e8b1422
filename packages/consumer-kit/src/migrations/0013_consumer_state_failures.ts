import type { Knex } from "@hooklog/db";

/**
 * The events consumers are stuck on, by state: the console lists "any consumer failing" from here.
 * Partial, without processed rows (nearly all of them), so it stays as small as the trouble is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create index consumer_event_states_unprocessed on consumer_event_states (state, event_id) where state <> 'processed'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index consumer_event_states_unprocessed");
}

import type { Knex } from "@hooklog/db";

/**
 * What each consumer did with each event, written in the batch's transaction with the processed
 * mark: `consumer_event_states` holds where the event stands now, `consumer_event_attempts` every
 * run of its handler and every operator action on it. A console reads them; nothing is inferred.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("consumer_event_states", (table) => {
    table.text("consumer").notNullable();
    table.text("event_key").notNullable();
    table.text("event_id").notNullable(); // a webhook's hub event id; a domain event's key
    table.text("topic").notNullable(); // the event's first position: the same on every retry
    table.integer("partition").notNullable();
    table.text("offset").notNullable();
    table.text("state").notNullable(); // processed | retrying | dead_lettered | parked | redriven | rerun_requested
    table.integer("attempts").notNullable();
    table.text("last_error");
    table.timestamp("next_attempt_at", { useTz: true });
    table.timestamp("first_failure_at", { useTz: true });
    table.timestamp("processed_at", { useTz: true });
    table.double("duration_ms");
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["consumer", "event_key"]);
    table.index(["event_id"], "consumer_event_states_by_event");
    table.index(["consumer", "state", "updated_at"], "consumer_event_states_by_state");
  });
  await knex.schema.createTable("consumer_event_attempts", (table) => {
    table.bigIncrements("id").primary();
    table.text("consumer").notNullable();
    table.text("event_key").notNullable();
    table.text("event_id").notNullable();
    table.integer("attempt").notNullable();
    table.text("outcome").notNullable(); // processed | failed | parked | redriven | rerun | replayed
    table.timestamp("started_at", { useTz: true }).notNullable();
    table.double("duration_ms");
    table.text("error");
    table.text("routed_to"); // the retry or dead-letter topic a failure was sent to
    table.text("actor"); // who asked, for an operator's action
    table.index(["consumer", "event_key", "id"], "consumer_event_attempts_by_event_key");
    table.index(["event_id"], "consumer_event_attempts_by_event");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("consumer_event_attempts");
  await knex.schema.dropTable("consumer_event_states");
}

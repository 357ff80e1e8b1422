import type { Knex } from "@hooklog/db";

/** Every action taken through the console or its API, under the admin token's name that took it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("console_actions", (table) => {
    table.bigIncrements("id").primary();
    table.timestamp("at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text("actor").notNullable();
    table.text("action").notNullable(); // redeliver, rerun, redrive, replay, reconcile
    table.text("consumer");
    table.text("event_id"); // the hub event the action touched, when it touched one
    table.jsonb("detail").notNullable().defaultTo("{}");
    table.index(["event_id", "id"], "console_actions_event");
    table.index(["at"], "console_actions_at");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("console_actions");
}

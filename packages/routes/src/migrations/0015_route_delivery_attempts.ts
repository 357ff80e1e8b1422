import type { Knex } from "@hooklog/db";

/**
 * Every attempt a route made to deliver an event: the request as it may be shown (secret header
 * values and a Slack URL's path left out, the body cut at 4 KiB), the answer (status, headers, the
 * body's first 2 KiB) or the error, and how long it took. Written outside the delivery's transaction,
 * so a failed attempt is kept too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("route_delivery_attempts", (table) => {
    table.bigIncrements("id");
    table.text("route").notNullable();
    table.text("destination").notNullable();
    table.text("event_id").notNullable();
    table.timestamp("attempted_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text("outcome").notNullable(); // delivered | failed
    table.jsonb("request").notNullable();
    table.jsonb("response");
    table.text("error");
    table.integer("duration_ms").notNullable();
    table.index(["event_id", "id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("route_delivery_attempts");
}

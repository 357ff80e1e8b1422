import type { Knex } from "@hooklog/db";

/**
 * A refund that comes before its payment makes the order's row, cancelled, with no payment yet
 * (created_by_event null). paid_at and refunded_at keep Stripe's time of each, not ours.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("alter table fulfillment_tasks alter column created_by_event drop not null");
  await knex.schema.alterTable("fulfillment_tasks", (table) => {
    table.timestamp("paid_at", { useTz: true });
    table.timestamp("refunded_at", { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("fulfillment_tasks", (table) => {
    table.dropColumn("paid_at");
    table.dropColumn("refunded_at");
  });
  // The older schema cannot hold an order refunded before it was paid.
  await knex("fulfillment_tasks").whereNull("created_by_event").delete();
  await knex.raw("alter table fulfillment_tasks alter column created_by_event set not null");
}

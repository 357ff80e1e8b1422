import type { Knex } from "@hooklog/db";

/** The fulfillment projection: one pick/pack task per order (the Stripe PaymentIntent paid). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("fulfillment_tasks", (table) => {
    table.text("task_id").primary();
    table.text("order_id").notNullable().unique();
    table.text("status").notNullable(); // pending | cancelled | shipped
    table.bigInteger("amount");
    table.text("currency");
    table.text("created_by_event").notNullable();
    table.text("cancelled_reason");
    table.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("fulfillment_tasks");
}

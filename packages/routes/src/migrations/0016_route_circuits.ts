import type { Knex } from "@hooklog/db";

/** Each route destination's circuit as its routes service last saw it: open (deliveries paused) or closed. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("route_circuits", (table) => {
    table.text("consumer").primary(); // the destination's kit consumer: <prefix>-<route>-<destination>
    table.text("route").notNullable();
    table.text("destination").notNullable();
    table.boolean("open").notNullable();
    table.integer("failures").notNullable();
    table.timestamp("opened_at", { useTz: true });
    table.text("last_error");
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("route_circuits");
}

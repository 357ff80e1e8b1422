import type { Knex } from "@hooklog/db";

/**
 * When the first attempt of an outside call began: a later attempt that finds no recorded outcome
 * looks at the outside service from then on (Slack's channel history, say) before it calls again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("effect_calls", (table) => {
    table.timestamp("first_attempt_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Rows of before this column: their first attempt began no later than their last update.
  await knex("effect_calls").update({ first_attempt_at: knex.ref("updated_at") });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("effect_calls", (table) => {
    table.dropColumn("first_attempt_at");
  });
}

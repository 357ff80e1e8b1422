import type { Knex } from "@hooklog/db";

/** The deployments projection: the state of each pull request's environments (preview/pr-N, staging). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("deployment_environments", (table) => {
    table.text("repository").notNullable(); // owner/name
    table.text("environment").notNullable(); // preview/pr-<n> or staging
    table.integer("pull_request").notNullable();
    table.bigInteger("deployment_id");
    table.text("sha").notNullable();
    table.text("state").notNullable(); // requested | active | inactive
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["repository", "environment"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("deployment_environments");
}

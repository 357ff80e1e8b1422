import type { Knex } from "@hooklog/db";

/**
 * version_at: GitHub's time of the state a row holds (a preview: the pull request's updated_at; staging:
 * the merge's merged_at), so an event GitHub delivers late cannot put an older state back. Null on rows
 * written before it: any event supersedes those.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("deployment_environments", (table) => {
    table.timestamp("version_at", { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  // Rows of pull requests closed before any preview (no deployment_id) may stay: the older code reads them as nothing to retire.
  await knex.schema.alterTable("deployment_environments", (table) => {
    table.dropColumn("version_at");
  });
}

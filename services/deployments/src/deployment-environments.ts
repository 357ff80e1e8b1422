import type { Knex } from "@hooklog/db";

/** One row of the deployment_environments projection (src/migrations/0004_deployment_environments.ts). */
export interface DeploymentEnvironment {
  repository: string;
  environment: string;
  pullRequest: number;
  deploymentId: number | null;
  sha: string;
  state: "requested" | "active" | "inactive";
}

interface Row {
  repository: string;
  environment: string;
  pull_request: number;
  deployment_id: string | null; // bigint: pg returns it as a string
  sha: string;
  state: DeploymentEnvironment["state"];
}

const TABLE = "deployment_environments";

export async function findEnvironment(trx: Knex.Transaction, repository: string, environment: string): Promise<DeploymentEnvironment | undefined> {
  const row = (await trx(TABLE).where({ repository, environment }).first()) as Row | undefined;
  if (!row) return undefined;
  return {
    repository: row.repository,
    environment: row.environment,
    pullRequest: row.pull_request,
    deploymentId: row.deployment_id === null ? null : Number(row.deployment_id),
    sha: row.sha,
    state: row.state,
  };
}

/** The environment now points at a deployment GitHub has just been asked for. */
export async function recordRequestedDeployment(
  trx: Knex.Transaction,
  entry: { repository: string; environment: string; pullRequest: number; deploymentId: number; sha: string },
): Promise<void> {
  const values = { pull_request: entry.pullRequest, deployment_id: entry.deploymentId, sha: entry.sha, state: "requested", updated_at: trx.fn.now() };
  await trx(TABLE)
    .insert({ repository: entry.repository, environment: entry.environment, ...values })
    .onConflict(["repository", "environment"])
    .merge(values);
}

export async function markEnvironmentInactive(trx: Knex.Transaction, repository: string, environment: string): Promise<void> {
  await trx(TABLE).where({ repository, environment }).update({ state: "inactive", updated_at: trx.fn.now() });
}

import { advisoryLockKey, lockForTransaction, type Knex } from "@hooklog/db";

/** One row of the deployment_environments projection (src/migrations/0004 and 0009). */
export interface DeploymentEnvironment {
  repository: string;
  environment: string;
  pullRequest: number;
  /** Null when a pull request was closed before any preview of it was deployed. */
  deploymentId: number | null;
  sha: string;
  state: "requested" | "active" | "inactive";
  /** GitHub's time of the state the row holds (src/environment-versions.ts); null on rows written before it was kept. */
  versionAt: Date | null;
}

interface Row {
  repository: string;
  environment: string;
  pull_request: number;
  deployment_id: string | null; // bigint: pg returns it as a string
  sha: string;
  state: DeploymentEnvironment["state"];
  version_at: Date | null;
}

const TABLE = "deployment_environments";

/**
 * Reads an environment's row and holds it until the transaction ends. Merges of different pull
 * requests into one repository's staging are on different partitions and can be handled at once; the
 * lock makes each one's "is mine newer?" and its deployment one step. An advisory lock, as the row
 * may not exist yet.
 */
export async function holdEnvironment(trx: Knex.Transaction, repository: string, environment: string): Promise<DeploymentEnvironment | undefined> {
  await lockForTransaction(trx, advisoryLockKey(`hooklog-deployments:${repository}:${environment}`));
  const row = (await trx(TABLE).where({ repository, environment }).first()) as Row | undefined;
  if (!row) return undefined;
  return {
    repository: row.repository,
    environment: row.environment,
    pullRequest: row.pull_request,
    deploymentId: row.deployment_id === null ? null : Number(row.deployment_id),
    sha: row.sha,
    state: row.state,
    versionAt: row.version_at,
  };
}

/** Sets an environment's row, making it when it is not there yet. */
async function writeEnvironment(trx: Knex.Transaction, entry: Omit<DeploymentEnvironment, "versionAt"> & { versionAt: Date }): Promise<void> {
  const values = {
    pull_request: entry.pullRequest,
    deployment_id: entry.deploymentId,
    sha: entry.sha,
    state: entry.state,
    version_at: entry.versionAt,
    updated_at: trx.fn.now(),
  };
  await trx(TABLE)
    .insert({ repository: entry.repository, environment: entry.environment, ...values })
    .onConflict(["repository", "environment"])
    .merge(values);
}

/** The environment now points at a deployment GitHub has just been asked for. */
export async function recordRequestedDeployment(
  trx: Knex.Transaction,
  entry: { repository: string; environment: string; pullRequest: number; deploymentId: number; sha: string; versionAt: Date },
): Promise<void> {
  await writeEnvironment(trx, { ...entry, state: "requested" });
}

/** The environment's deployment is retired, as of `versionAt`. */
export async function markEnvironmentInactive(trx: Knex.Transaction, repository: string, environment: string, versionAt: Date): Promise<void> {
  await trx(TABLE).where({ repository, environment }).update({ state: "inactive", version_at: versionAt, updated_at: trx.fn.now() });
}

/**
 * A pull request closed before any preview of it was deployed: the row says so, with no deployment,
 * so that an older opened or synchronize that GitHub delivers after it deploys nothing.
 */
export async function recordClosedWithoutDeployment(
  trx: Knex.Transaction,
  entry: { repository: string; environment: string; pullRequest: number; sha: string; versionAt: Date },
): Promise<void> {
  await writeEnvironment(trx, { ...entry, deploymentId: null, state: "inactive" });
}

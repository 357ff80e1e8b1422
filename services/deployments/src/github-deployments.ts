import type { Logger } from "@hooklog/logging";
import { Octokit } from "@octokit/rest";
import { GithubApiError, translateGithubError } from "./github-errors.ts";
import type { RepositoryRef } from "./pull-request-event.ts";

export interface DeploymentRequest {
  /** The commit to deploy. */
  sha: string;
  environment: string;
  /** Preview environments go away with their pull request; staging stays. */
  transient: boolean;
  description: string;
  /** Written into the deployment's payload, so a retry can find a deployment whose answer it never saw. */
  effectKey: string;
}

export interface Deployment {
  id: number;
  sha: string;
  environment: string;
}

/** queued: requested, nothing runs yet; inactive: the environment is gone. */
export type DeploymentStatusState = "queued" | "in_progress" | "inactive";

/**
 * The GitHub Deployments API as this service uses it. Every call throws RetryLaterError or GithubApiError.
 * GitHub takes no idempotency key: when an earlier attempt may have made the same call (its answer
 * was lost to a timeout, a crash or a database outage), `lookFirst` makes the call look for its
 * effect before it writes.
 */
export interface GithubDeployments {
  /** Creates the deployment; with `lookFirst`, returns the one an earlier attempt created under `effectKey`, if any. */
  ensureDeployment(repository: RepositoryRef, request: DeploymentRequest, lookFirst: boolean): Promise<Deployment>;
  /** Sets the state; with `lookFirst`, returns the deployment's status already in that state, if any. */
  createStatus(repository: RepositoryRef, deploymentId: number, state: DeploymentStatusState, description: string, lookFirst: boolean): Promise<{ id: number }>;
}

export interface GithubDeploymentsOptions {
  token: string;
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
}

const EFFECT_KEY_FIELD = "hooklog_effect_key";

/**
 * An Octokit bounded by a per-call timeout and logging through ours.
 * @octokit/request 10 ignores `request.timeout`; a per-call signal bounds each request instead.
 * @octokit/rest retries nothing (no retry or throttling plugin): the consumer kit does.
 */
function createOctokit({ token, baseUrl, timeoutMs, logger }: GithubDeploymentsOptions): Octokit {
  const fetchWithTimeout: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  return new Octokit({
    auth: token,
    baseUrl,
    userAgent: "hooklog-deployments",
    request: { fetch: fetchWithTimeout },
    // Only the message: octokit's debug line carries the request options, Authorization included.
    // Failures are logged once, by the kit, with the error we throw.
    log: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.debug(message),
    },
  });
}

/** Runs one GitHub request, turning its failure into RetryLaterError or GithubApiError. */
async function call<T>(description: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw translateGithubError(error, description);
  }
}

/** The deployment an earlier attempt created for this request, found by the effect key in its payload. */
async function findDeployment(octokit: Octokit, repository: RepositoryRef, request: DeploymentRequest): Promise<Deployment | undefined> {
  const { data } = await call(`list deployments of ${repository.fullName} in ${request.environment}`, () =>
    octokit.rest.repos.listDeployments({ owner: repository.owner, repo: repository.name, sha: request.sha, environment: request.environment, per_page: 100 }),
  );
  const found = data.find((deployment) => {
    const payload = deployment.payload as unknown;
    return typeof payload === "object" && payload !== null && (payload as Record<string, unknown>)[EFFECT_KEY_FIELD] === request.effectKey;
  });
  return found ? { id: found.id, sha: found.sha, environment: found.environment } : undefined;
}

// Any status in that state will do: the deployment has been in it, and a deployer may have moved it on since.
async function findStatus(
  octokit: Octokit,
  repository: RepositoryRef,
  deploymentId: number,
  state: DeploymentStatusState,
): Promise<{ id: number } | undefined> {
  const { data } = await call(`list statuses of deployment ${deploymentId} of ${repository.fullName}`, () =>
    octokit.rest.repos.listDeploymentStatuses({ owner: repository.owner, repo: repository.name, deployment_id: deploymentId, per_page: 100 }),
  );
  const found = data.find((status) => status.state === state);
  return found ? { id: found.id } : undefined;
}

export function createGithubDeployments(options: GithubDeploymentsOptions): GithubDeployments {
  const { logger } = options;
  const octokit = createOctokit(options);

  return {
    async ensureDeployment(repository, request, lookFirst) {
      const existing = lookFirst ? await findDeployment(octokit, repository, request) : undefined;
      if (existing) {
        logger.info(
          { repository: repository.fullName, environment: request.environment, deploymentId: existing.id },
          "deployment already created by an earlier attempt",
        );
        return existing;
      }
      const what = `create deployment of ${repository.fullName}@${request.sha} in ${request.environment}`;
      const response = await call(what, () =>
        octokit.rest.repos.createDeployment({
          owner: repository.owner,
          repo: repository.name,
          ref: request.sha,
          environment: request.environment,
          description: request.description,
          auto_merge: false,
          required_contexts: [],
          transient_environment: request.transient,
          production_environment: false,
          payload: { [EFFECT_KEY_FIELD]: request.effectKey },
        }),
      );
      // 202 means GitHub merged the default branch in first, which auto_merge: false rules out.
      if (!("id" in response.data)) throw new GithubApiError(`${what}: GitHub answered ${response.status} without a deployment`, response.status);
      return { id: response.data.id, sha: response.data.sha, environment: response.data.environment };
    },

    async createStatus(repository, deploymentId, state, description, lookFirst) {
      const existing = lookFirst ? await findStatus(octokit, repository, deploymentId, state) : undefined;
      if (existing) {
        logger.info({ repository: repository.fullName, deploymentId, state, statusId: existing.id }, "deployment status already set by an earlier attempt");
        return existing;
      }
      const { data } = await call(`set deployment ${deploymentId} of ${repository.fullName} ${state}`, () =>
        octokit.rest.repos.createDeploymentStatus({ owner: repository.owner, repo: repository.name, deployment_id: deploymentId, state, description }),
      );
      return { id: data.id };
    },
  };
}

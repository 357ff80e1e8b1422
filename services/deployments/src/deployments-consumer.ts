import { defineConsumer, type ConsumerDefinition, type HandlerContext, type WebhookHandler } from "@hooklog/consumer-kit";
import {
  holdEnvironment,
  markEnvironmentInactive,
  recordClosedWithoutDeployment,
  recordRequestedDeployment,
  type DeploymentEnvironment,
} from "./deployment-environments.ts";
import { isStale, type EnvironmentChange } from "./environment-versions.ts";
import type { GithubDeployments } from "./github-deployments.ts";
import { parsePullRequestEvent, type PullRequestEvent } from "./pull-request-event.ts";

export const previewEnvironment = (pullRequest: number): string => `preview/pr-${pullRequest}`;
export const STAGING_ENVIRONMENT = "staging";

const shortSha = (sha: string): string => sha.slice(0, 7);

export interface DeploymentsConsumerOptions {
  name: string;
  githubTopic: string;
  retryBaseDelayMs: number;
  github: GithubDeployments;
}

/** Whether the environment holds a newer state than the event brings; logs the skip when it does. */
function skipsStale(
  context: HandlerContext,
  event: PullRequestEvent,
  held: DeploymentEnvironment | undefined,
  change: EnvironmentChange,
  target: { environment: string; versionAt: Date },
): boolean {
  if (!isStale(held, change, target.versionAt)) return false;
  context.logger.info(
    {
      repository: event.repository.fullName,
      environment: target.environment,
      action: event.action,
      eventAt: target.versionAt.toISOString(),
      heldAt: held?.versionAt?.toISOString(),
      heldState: held?.state,
    },
    "skipped a stale event: the environment holds a newer state",
  );
  return true;
}

/**
 * Requests one deployment of a commit to an environment and queues its first status; each GitHub
 * call once. Nothing happens when the environment already holds a newer state than `versionAt`.
 */
async function deploy(
  github: GithubDeployments,
  context: HandlerContext,
  event: PullRequestEvent,
  target: { environment: string; sha: string; transient: boolean; description: string; versionAt: Date },
): Promise<void> {
  const { repository } = event;
  const held = await holdEnvironment(context.trx, repository.fullName, target.environment);
  if (skipsStale(context, event, held, "deploy", target)) return;
  const { versionAt, ...request } = target;
  const deployment = await context.once(`create-deployment:${target.environment}:${target.sha}`, (effectKey, earlier) =>
    github.ensureDeployment(repository, { ...request, effectKey }, earlier !== undefined),
  );
  // queued, not in_progress: this service only asks for the deployment; the deployer reports progress.
  await context.once(`create-deployment-status:${target.environment}:${deployment.id}:queued`, (_key, earlier) =>
    github.createStatus(repository, deployment.id, "queued", target.description, earlier !== undefined),
  );
  await recordRequestedDeployment(context.trx, {
    repository: repository.fullName,
    environment: target.environment,
    pullRequest: event.number,
    deploymentId: deployment.id,
    sha: target.sha,
    versionAt,
  });
  context.logger.info(
    { repository: repository.fullName, environment: target.environment, deploymentId: deployment.id, sha: target.sha },
    "deployment requested",
  );
}

/**
 * Marks a closed pull request's preview deployment inactive, if it has one that is not already. With
 * none (the close came first), the preview is recorded as closed, so a late opened deploys nothing.
 */
async function retirePreview(github: GithubDeployments, context: HandlerContext, event: PullRequestEvent): Promise<void> {
  const { repository } = event;
  const environment = previewEnvironment(event.number);
  const versionAt = event.updatedAt;
  const preview = await holdEnvironment(context.trx, repository.fullName, environment);
  if (skipsStale(context, event, preview, "retire", { environment, versionAt })) return;
  if (!preview || preview.deploymentId === null) {
    await recordClosedWithoutDeployment(context.trx, {
      repository: repository.fullName,
      environment,
      pullRequest: event.number,
      sha: event.headSha,
      versionAt,
    });
    context.logger.info({ repository: repository.fullName, environment }, "no preview deployment to retire: recorded as closed");
    return;
  }
  if (preview.state === "inactive") {
    // Retired already (another close of it): only the time of its state moves on.
    await markEnvironmentInactive(context.trx, repository.fullName, environment, versionAt);
    return;
  }
  const { deploymentId } = preview;
  await context.once(`create-deployment-status:${environment}:${deploymentId}:inactive`, (_key, earlier) =>
    github.createStatus(repository, deploymentId, "inactive", `Pull request #${event.number} closed`, earlier !== undefined),
  );
  await markEnvironmentInactive(context.trx, repository.fullName, environment, versionAt);
  context.logger.info({ repository: repository.fullName, environment, deploymentId }, "preview retired");
}

/**
 * Pull requests into GitHub deployments: each head commit to preview/pr-<n>, a merge commit to
 * staging, and a closed pull request's preview retired. Every GitHub call runs through ctx.once
 * under a name saying what it does, so a redelivery, retry or replay never repeats one; a call whose
 * outcome went unrecorded looks on GitHub for its effect before it is made again.
 */
export function createDeploymentsConsumer(options: DeploymentsConsumerOptions): ConsumerDefinition {
  const { github } = options;

  const deployPreview: WebhookHandler = async (inbound, context) => {
    const event = parsePullRequestEvent(inbound.payload());
    await deploy(github, context, event, {
      environment: previewEnvironment(event.number),
      sha: event.headSha,
      transient: true,
      description: `Preview of #${event.number} at ${shortSha(event.headSha)}`,
      versionAt: event.updatedAt,
    });
  };

  const deployMergeAndRetirePreview: WebhookHandler = async (inbound, context) => {
    const event = parsePullRequestEvent(inbound.payload());
    if (event.merged && event.mergeCommitSha && event.mergedAt) {
      await deploy(github, context, event, {
        environment: STAGING_ENVIRONMENT,
        sha: event.mergeCommitSha,
        transient: false,
        description: `#${event.number} merged at ${shortSha(event.mergeCommitSha)}`,
        // Staging follows the order of merges, not of pull requests' updates (src/environment-versions.ts).
        versionAt: event.mergedAt,
      });
    }
    await retirePreview(github, context, event);
  };

  return defineConsumer({
    name: options.name,
    subscriptions: [
      {
        topic: options.githubTopic,
        // Event types as ingest names them (`<X-GitHub-Event>.<action>`).
        on: {
          "pull_request.opened": deployPreview,
          "pull_request.reopened": deployPreview,
          "pull_request.synchronize": deployPreview,
          "pull_request.closed": deployMergeAndRetirePreview,
        },
      },
    ],
    retryBaseDelayMs: options.retryBaseDelayMs,
  });
}

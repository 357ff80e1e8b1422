import { defineConsumer, type ConsumerDefinition, type HandlerContext, type WebhookHandler } from "@hooklog/consumer-kit";
import { findEnvironment, markEnvironmentInactive, recordRequestedDeployment } from "./deployment-environments.ts";
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

/** Requests one deployment of a commit to an environment and queues its first status; each GitHub call once. */
async function deploy(
  github: GithubDeployments,
  context: HandlerContext,
  event: PullRequestEvent,
  target: { environment: string; sha: string; transient: boolean; description: string },
): Promise<void> {
  const { repository } = event;
  const deployment = await context.once(`create-deployment:${target.environment}:${target.sha}`, (effectKey, earlier) =>
    github.ensureDeployment(repository, { ...target, effectKey }, earlier !== undefined),
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
  });
  context.logger.info(
    { repository: repository.fullName, environment: target.environment, deploymentId: deployment.id, sha: target.sha },
    "deployment requested",
  );
}

/** Marks a closed pull request's preview deployment inactive, if it has one that is not already. */
async function retirePreview(github: GithubDeployments, context: HandlerContext, event: PullRequestEvent): Promise<void> {
  const { repository } = event;
  const environment = previewEnvironment(event.number);
  const preview = await findEnvironment(context.trx, repository.fullName, environment);
  if (!preview || preview.deploymentId === null) {
    context.logger.info({ repository: repository.fullName, environment }, "no preview deployment to retire");
    return;
  }
  if (preview.state === "inactive") return;
  const { deploymentId } = preview;
  await context.once(`create-deployment-status:${environment}:${deploymentId}:inactive`, (_key, earlier) =>
    github.createStatus(repository, deploymentId, "inactive", `Pull request #${event.number} closed`, earlier !== undefined),
  );
  await markEnvironmentInactive(context.trx, repository.fullName, environment);
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
    });
  };

  const deployMergeAndRetirePreview: WebhookHandler = async (inbound, context) => {
    const event = parsePullRequestEvent(inbound.payload());
    if (event.merged && event.mergeCommitSha) {
      await deploy(github, context, event, {
        environment: STAGING_ENVIRONMENT,
        sha: event.mergeCommitSha,
        transient: false,
        description: `#${event.number} merged at ${shortSha(event.mergeCommitSha)}`,
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

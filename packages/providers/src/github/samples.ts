// Payloads of the shapes GitHub documents (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
// A sample's type is the event name and action ingest reads (pull_request.closed); a suffix after ':'
// names a variant of it (pull_request.closed:merged), which the delivery's type leaves out.
import type { JsonObject } from "../json.ts";
import { sampleOf } from "../sample-delivery.ts";
import { sampleContext, type SampleRelations } from "../sample-relations.ts";
import { freshNumber, freshSha } from "../sample-ids.ts";
import { githubLinks, type GitHubLinks } from "./sample-links.ts";
import { pullRequestClosed, pullRequestMerged, pullRequestOpened, pullRequestSynchronize } from "./sample-pull-requests.ts";
import { checkRunCompleted, workflowRunCompleted } from "./sample-runs.ts";

interface GitHubSample {
  /** X-GitHub-Event. */
  eventName: string;
  description: string;
  payload: (links: GitHubLinks) => JsonObject;
}

function ping(links: GitHubLinks): JsonObject {
  const { hookId, repository, at } = links;
  const hookUrl = `${String(repository.url)}/hooks/${hookId}`;
  return {
    zen: "Design for failure.",
    hook_id: hookId,
    hook: {
      type: "Repository",
      id: hookId,
      name: "web",
      active: true,
      events: ["*"],
      config: { content_type: "json", insecure_ssl: "0", url: "https://hooks.example.com/webhooks/github" },
      updated_at: at,
      created_at: at,
      url: hookUrl,
      test_url: `${hookUrl}/test`,
      ping_url: `${hookUrl}/pings`,
      deliveries_url: `${hookUrl}/deliveries`,
      last_response: { code: null, status: "unused", message: null },
    },
    repository,
    sender: links.sender,
  };
}

/** The merge reaching main: its `after` is the merged pull request's merge commit. */
function push(links: GitHubLinks): JsonObject {
  const { repository, at, mergeSha: after, pullRequest } = links;
  const before = pullRequest.baseSha;
  const commit = {
    id: after,
    tree_id: freshSha(),
    distinct: true,
    message: `Merge pull request #${pullRequest.number} from octo-org/${pullRequest.branch}\n\nAdd preview deployments`,
    timestamp: at,
    url: `${String(repository.html_url)}/commit/${after}`,
    author: { name: "Monalisa Octocat", email: "octocat@github.com", username: "octocat" },
    committer: { name: "GitHub", email: "noreply@github.com", username: "web-flow" },
    added: [],
    removed: [],
    modified: ["README.md", "deploy/preview.yaml"],
  };
  return {
    ref: "refs/heads/main",
    before,
    after,
    base_ref: null,
    compare: `${String(repository.html_url)}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    created: false,
    deleted: false,
    forced: false,
    commits: [commit],
    head_commit: commit,
    pusher: { name: "octocat", email: "octocat@github.com" },
    repository,
    sender: links.sender,
  };
}

function issueOpened(links: GitHubLinks): JsonObject {
  const { repository, sender, at, issueNumber: number } = links;
  return {
    action: "opened",
    issue: {
      id: freshNumber(),
      number,
      url: `${String(repository.url)}/issues/${number}`,
      html_url: `${String(repository.html_url)}/issues/${number}`,
      title: "Webhook retries look doubled",
      body: "Each failed delivery shows up twice in the log.",
      state: "open",
      locked: false,
      user: sender,
      labels: [],
      assignees: [],
      comments: 0,
      created_at: at,
      updated_at: at,
      closed_at: null,
    },
    repository,
    sender,
  };
}

/** The most common first, as `hooklog trigger --list` shows them. */
export const githubSamples: Readonly<Record<string, GitHubSample>> = {
  ping: { eventName: "ping", description: "the first delivery of a new webhook: hook, hook_id and zen", payload: ping },
  push: { eventName: "push", description: "the pull request's merge commit pushed to main", payload: push },
  "pull_request.opened": {
    eventName: "pull_request",
    description: "a pull request from feature/previews into main (deployments: a preview)",
    payload: pullRequestOpened,
  },
  "pull_request.synchronize": {
    eventName: "pull_request",
    description: "a new commit on the pull request's branch: head.sha moves (deployments: the preview follows)",
    payload: pullRequestSynchronize,
  },
  "pull_request.closed": {
    eventName: "pull_request",
    description: "the pull request closed without merging (deployments: the preview retired)",
    payload: pullRequestClosed,
  },
  "pull_request.closed:merged": {
    eventName: "pull_request",
    description: "the pull request merged: merged_at and merge_commit_sha, push's after (deployments: staging)",
    payload: pullRequestMerged,
  },
  "check_run.completed": {
    eventName: "check_run",
    description: "a check run on the pull request's head, passed",
    payload: (links) => checkRunCompleted(links, "success"),
  },
  "check_run.completed:failure": {
    eventName: "check_run",
    description: "a check run on the pull request's head, failed (alerts pages)",
    payload: (links) => checkRunCompleted(links, "failure"),
  },
  "workflow_run.completed": {
    eventName: "workflow_run",
    description: "a workflow run on the pull request's head, passed",
    payload: (links) => workflowRunCompleted(links, "success"),
  },
  "workflow_run.completed:failure": {
    eventName: "workflow_run",
    description: "a workflow run on the pull request's head, failed (alerts pages)",
    payload: (links) => workflowRunCompleted(links, "failure"),
  },
  "issues.opened": { eventName: "issues", description: "an issue opened in the repository", payload: issueOpened },
};

export const githubSampleDescription = (type: string): string => sampleOf(githubSamples, "GitHub", type).description;

/** The event name (X-GitHub-Event), the webhook's id (X-GitHub-Hook-ID) and the payload of a sample of `type`. */
export function githubSamplePayload(type: string, related: SampleRelations | undefined, now: Date): { eventName: string; hookId: number; payload: JsonObject } {
  // Looked up first, so an unknown type takes no tick of the run's clock.
  const sample = sampleOf(githubSamples, "GitHub", type);
  const links = githubLinks(sampleContext(related, now));
  return { eventName: sample.eventName, hookId: links.hookId, payload: sample.payload(links) };
}

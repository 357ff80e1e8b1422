// pull_request payloads (https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request),
// with every field the deployments consumer reads: number, head.sha, merged, merge_commit_sha,
// merged_at, and updated_at, by which it orders the events GitHub may deliver out of order.
import type { JsonObject } from "../json.ts";
import type { GitHubLinks } from "./sample-links.ts";

interface PullRequestState {
  headSha: string;
  closed: boolean;
  merged: boolean;
}

function pullRequest(links: GitHubLinks, { headSha, closed, merged }: PullRequestState): JsonObject {
  const { repository, sender, at } = links;
  const { id, number, branch, baseSha, createdAt } = links.pullRequest;
  const owner = repository.owner as JsonObject;
  return {
    url: `${String(repository.url)}/pulls/${number}`,
    id,
    html_url: `${String(repository.html_url)}/pull/${number}`,
    number,
    state: closed ? "closed" : "open",
    locked: false,
    title: "Add preview deployments",
    user: sender,
    body: "Deploys each pull request's head commit to an environment of its own.",
    created_at: createdAt,
    updated_at: at,
    closed_at: closed ? at : null,
    merged_at: merged ? at : null,
    merge_commit_sha: merged ? links.mergeSha : null,
    draft: false,
    head: { label: `${String(owner.login)}:${branch}`, ref: branch, sha: headSha, user: owner, repo: repository },
    base: { label: `${String(owner.login)}:main`, ref: "main", sha: baseSha, user: owner, repo: repository },
    merged,
    merged_by: merged ? sender : null,
    comments: 0,
    commits: 1,
    additions: 42,
    deletions: 3,
    changed_files: 2,
  };
}

const payload = (links: GitHubLinks, action: string, state: PullRequestState, extra: JsonObject = {}): JsonObject => ({
  action,
  number: links.pullRequest.number,
  ...extra,
  pull_request: pullRequest(links, state),
  repository: links.repository,
  sender: links.sender,
});

export const pullRequestOpened = (links: GitHubLinks): JsonObject => payload(links, "opened", { headSha: links.headSha, closed: false, merged: false });

/** A push to the branch: the head moves to a new commit, which later samples of the run see. */
export function pullRequestSynchronize(links: GitHubLinks): JsonObject {
  const before = links.headSha;
  const after = links.advanceHead();
  return payload(links, "synchronize", { headSha: after, closed: false, merged: false }, { before, after });
}

export const pullRequestClosed = (links: GitHubLinks): JsonObject => payload(links, "closed", { headSha: links.headSha, closed: true, merged: false });

export const pullRequestMerged = (links: GitHubLinks): JsonObject => payload(links, "closed", { headSha: links.headSha, closed: true, merged: true });

// pull_request webhook payloads shaped like GitHub's, for one repository of a test's own.
import { randomBytes } from "node:crypto";

export const randomSha = (): string => randomBytes(20).toString("hex");

export interface PullRequestFixture {
  owner: string;
  name: string;
  /** owner/name */
  repository: string;
  number: number;
}

/** A repository no other test uses, so requests and rows can be told apart. */
export function newPullRequest(number = 7): PullRequestFixture {
  const owner = "octo-org";
  const name = `app-${randomBytes(4).toString("hex")}`;
  return { owner, name, repository: `${owner}/${name}`, number };
}

/** A time as GitHub writes it in payloads: ISO 8601 in UTC, to the second. */
export const githubTime = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, "Z");

// https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
export function pullRequestPayload(
  pr: PullRequestFixture,
  action: "opened" | "reopened" | "synchronize" | "closed",
  commits: {
    headSha: string;
    merged?: boolean;
    mergeCommitSha?: string | null;
    /** pull_request.updated_at; default now. */
    updatedAt?: string;
    /** pull_request.merged_at; default updatedAt when merged, else null. */
    mergedAt?: string | null;
  },
): object {
  const merged = commits.merged ?? false;
  const updatedAt = commits.updatedAt ?? githubTime(new Date());
  return {
    action,
    number: pr.number,
    pull_request: {
      number: pr.number,
      title: "Deploy previews from pull requests",
      state: action === "closed" ? "closed" : "open",
      merged,
      merge_commit_sha: commits.mergeCommitSha ?? null,
      updated_at: updatedAt,
      merged_at: commits.mergedAt !== undefined ? commits.mergedAt : merged ? updatedAt : null,
      head: { ref: "feature/previews", sha: commits.headSha },
      base: { ref: "main", sha: randomSha() },
      user: { login: "octocat" },
    },
    repository: { full_name: pr.repository, name: pr.name, owner: { login: pr.owner }, private: false },
    sender: { login: "octocat" },
  };
}

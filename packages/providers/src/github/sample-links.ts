// What one repository's GitHub events share: the repository, its webhook, one pull request from a
// feature branch into main, the head commit that moves with each push to the branch, and the merge
// commit main moves to. Related samples draw them from the run; unrelated ones make their own.
import type { JsonObject } from "../json.ts";
import type { SampleContext } from "../sample-relations.ts";
import { freshNumber, freshSha } from "../sample-ids.ts";

export interface GitHubLinks {
  repository: JsonObject;
  sender: JsonObject;
  hookId: number;
  /** The pull request (and, one above it, the issue): numbers share a repository's sequence. */
  pullRequest: { id: number; number: number; branch: string; baseSha: string; createdAt: string };
  issueNumber: number;
  /** The pull request's head commit as of this sample. */
  headSha: string;
  /** The merge commit: the merged pull request's merge_commit_sha, and the `after` of the push to main. */
  mergeSha: string;
  /** This sample's time, to the second as GitHub writes it: strictly later than the run's previous one. */
  at: string;
  /** A new head commit (a push to the branch): the samples after this one see it as headSha. */
  advanceHead(): string;
}

const OWNER = "octo-org";
const NAME = "hello-world";

/** ISO 8601 in seconds, as GitHub writes its timestamps. */
export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export function githubLinks(context: SampleContext): GitHubLinks {
  const shared = <T>(key: string, make: () => T): T => context.shared(`github.${key}`, make);
  const at = isoSeconds(context.at);
  const createdAt = shared("created_at", () => at);
  const number = shared("pull_request.number", () => 1 + (freshNumber() % 5000));
  const fullName = `${OWNER}/${NAME}`;
  return {
    repository: {
      id: shared("repository.id", freshNumber),
      name: NAME,
      full_name: fullName,
      private: false,
      owner: { login: OWNER, id: 6811672, type: "Organization", html_url: `https://github.com/${OWNER}` },
      html_url: `https://github.com/${fullName}`,
      url: `https://api.github.com/repos/${fullName}`,
      default_branch: "main",
      visibility: "public",
      created_at: "2024-01-15T10:00:00Z",
    },
    sender: { login: "octocat", id: 583231, type: "User", html_url: "https://github.com/octocat" },
    hookId: shared("hook.id", freshNumber),
    pullRequest: {
      id: shared("pull_request.id", freshNumber),
      number,
      branch: "feature/previews",
      baseSha: shared("main.base", freshSha),
      createdAt,
    },
    issueNumber: number + 1,
    headSha: shared("pull_request.head", freshSha),
    mergeSha: shared("main.merge", freshSha),
    at,
    advanceHead: () => context.advance("github.pull_request.head", freshSha()),
  };
}

/** A pull request as a check run or workflow run lists it: its number, head and base. */
export const pullRequestRef = (links: GitHubLinks, headSha: string): JsonObject => ({
  url: `${String(links.repository.url)}/pulls/${links.pullRequest.number}`,
  id: links.pullRequest.id,
  number: links.pullRequest.number,
  head: { ref: links.pullRequest.branch, sha: headSha, repo: { id: links.repository.id, name: NAME, url: links.repository.url } },
  base: { ref: "main", sha: links.pullRequest.baseSha, repo: { id: links.repository.id, name: NAME, url: links.repository.url } },
});

import { UndecodableMessageError } from "@hooklog/consumer-kit";
import { z } from "@hooklog/config";

export interface RepositoryRef {
  /** owner/name, the key of the deployment_environments projection. */
  fullName: string;
  owner: string;
  name: string;
}

/** What the handler needs of a pull_request webhook, validated once. */
export interface PullRequestEvent {
  action: "opened" | "reopened" | "synchronize" | "closed";
  repository: RepositoryRef;
  number: number;
  headSha: string;
  merged: boolean;
  mergeCommitSha: string | null;
  /** pull_request.updated_at: GitHub's time of the state this event reports, to the second. */
  updatedAt: Date;
  /** pull_request.merged_at: when the merge commit landed on the base branch; set when merged. */
  mergedAt: Date | null;
}

const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "a SHA-1 or SHA-256 commit id");
const time = z.iso.datetime({ offset: true });

// https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
const payloadSchema = z.object({
  action: z.enum(["opened", "reopened", "synchronize", "closed"]),
  repository: z.object({ full_name: z.string().min(3), name: z.string().min(1), owner: z.object({ login: z.string().min(1) }) }),
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha }),
    merged: z.boolean().nullish(),
    merge_commit_sha: sha.nullish(),
    // Required: GitHub sends it on every pull_request payload, and it is what orders the events
    // GitHub delivers out of order. A fallback (now, or "apply") would let a late delivery pass as
    // the newest state, so a payload without it is undecodable.
    updated_at: time,
    merged_at: time.nullish(),
  }),
});

/**
 * Reads a pull_request payload. One that does not fit can never succeed however often it is
 * retried, so it fails as undecodable: the kit dead-letters it at once instead of retrying.
 */
export function parsePullRequestEvent(payload: unknown): PullRequestEvent {
  const result = payloadSchema.safeParse(payload);
  if (!result.success) {
    throw new UndecodableMessageError(`not a usable pull_request payload:\n${z.prettifyError(result.error)}`);
  }
  const { action, repository, pull_request: pullRequest } = result.data;
  const merged = pullRequest.merged === true;
  if (action === "closed" && merged && !pullRequest.merge_commit_sha) {
    throw new UndecodableMessageError(`pull request ${repository.full_name}#${pullRequest.number} was merged but has no merge_commit_sha`);
  }
  if (action === "closed" && merged && !pullRequest.merged_at) {
    throw new UndecodableMessageError(`pull request ${repository.full_name}#${pullRequest.number} was merged but has no merged_at`);
  }
  return {
    action,
    repository: { fullName: repository.full_name, owner: repository.owner.login, name: repository.name },
    number: pullRequest.number,
    headSha: pullRequest.head.sha,
    merged,
    mergeCommitSha: pullRequest.merge_commit_sha ?? null,
    updatedAt: new Date(pullRequest.updated_at),
    mergedAt: pullRequest.merged_at ? new Date(pullRequest.merged_at) : null,
  };
}

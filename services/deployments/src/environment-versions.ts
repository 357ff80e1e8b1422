// GitHub does not deliver webhooks in order, and a redelivery can come long after the event:
// https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
// Each environment row keeps GitHub's time of the state it holds, and an event older than that is
// not applied. Which time orders an environment's events:
//  - preview/pr-N: pull_request.updated_at, the pull request's own clock, which every action moves on.
//  - staging: pull_request.merged_at. Merges of many pull requests land there, and a later merge's
//    commit contains the earlier ones, so staging must follow the order of merges into the base
//    branch. updated_at would not do: it is per pull request and moves after a merge too (a label,
//    a comment), so an older merge can carry a newer updated_at.
import type { DeploymentEnvironment } from "./deployment-environments.ts";

/** What an event would do to an environment: deploy a commit to it, or retire it. */
export type EnvironmentChange = "deploy" | "retire";

/**
 * Whether an event of `at` is older than the state the environment holds, so applying it would put an
 * older state back. A row without a time (written before times were kept) is superseded by any event.
 *
 * Equal times: updated_at has whole seconds, so two events of one pull request can share it, and their
 * true order is then unknown. A deploy does not undo a retired environment on an equal time: wrongly
 * skipped, the preview is missing until the next push deploys it; wrongly applied, it would be a
 * preview of a closed pull request that nothing ever retires. Otherwise the later-applied one wins.
 */
export function isStale(held: Pick<DeploymentEnvironment, "state" | "versionAt"> | undefined, change: EnvironmentChange, at: Date): boolean {
  if (!held || held.versionAt === null) return false;
  const difference = at.getTime() - held.versionAt.getTime();
  if (difference !== 0) return difference < 0;
  return change === "deploy" && held.state === "inactive";
}

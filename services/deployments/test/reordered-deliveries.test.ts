import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { isStale } from "../src/environment-versions.ts";
import { startDeployments, type DeploymentsHarness } from "./harness.ts";
import { githubTime, newPullRequest, pullRequestPayload, randomSha, type PullRequestFixture } from "./pull-requests.ts";

// GitHub does not promise to deliver webhooks in order, and a redelivery can come long after:
// https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
describe("deployments keeps the newest state of a pull request whatever order GitHub delivers its events in", () => {
  let harness: DeploymentsHarness;
  const start = Date.now() - 10 * 60_000;
  /** A time `minutes` after a start ten minutes ago, as GitHub writes it. */
  const minute = (minutes: number): string => githubTime(new Date(start + minutes * 60_000));

  before(async () => {
    harness = await startDeployments();
  });

  after(async () => {
    await harness?.stop();
  });

  /** Delivers an event and waits until deployments has handled it (and everything before it). */
  async function deliverAndSettle(payload: object): Promise<void> {
    assert.equal(await harness.deliver(payload), 202);
    await harness.caughtUp();
  }

  const preview = (pr: PullRequestFixture) => harness.environment(pr.repository, `preview/pr-${pr.number}`);
  const deployedRefs = (pr: PullRequestFixture, environment: string) =>
    harness.github
      .calls(pr.repository, "create-deployment")
      .filter((request) => request.body?.environment === environment)
      .map((request) => request.body?.ref);

  it("keeps the preview at the newer head when an older synchronize is delivered after a newer one", async () => {
    const pr = newPullRequest(61);
    const [olderSha, newerSha] = [randomSha(), randomSha()];

    await harness.deliver(pullRequestPayload(pr, "synchronize", { headSha: newerSha, updatedAt: minute(2) }));
    await eventually("the preview at the newer head", async () => (await preview(pr))?.sha === newerSha);
    await deliverAndSettle(pullRequestPayload(pr, "synchronize", { headSha: olderSha, updatedAt: minute(1) }));

    assert.equal((await preview(pr))?.sha, newerSha, "the older synchronize moved the preview back");
    assert.deepEqual(deployedRefs(pr, "preview/pr-61"), [newerSha], "GitHub was asked to deploy the older head");
  });

  it("creates no preview when a pull request's closed is delivered before its opened", async () => {
    const pr = newPullRequest(62);
    const headSha = randomSha();

    await deliverAndSettle(pullRequestPayload(pr, "closed", { headSha, updatedAt: minute(2) }));
    await deliverAndSettle(pullRequestPayload(pr, "opened", { headSha, updatedAt: minute(1) }));

    assert.deepEqual(harness.github.calls(pr.repository, "create-deployment"), [], "a preview was deployed for a closed pull request");
    const row = await preview(pr);
    assert.deepEqual(
      { state: row?.state, deployment_id: row?.deployment_id, sha: row?.sha },
      { state: "inactive", deployment_id: null, sha: headSha },
      "the closed pull request's preview is not recorded as inactive",
    );
  });

  it("does not let an opened with the same updated_at as the closed before it undo the close", async () => {
    const pr = newPullRequest(63);
    const headSha = randomSha();

    await deliverAndSettle(pullRequestPayload(pr, "closed", { headSha, updatedAt: minute(3) }));
    await deliverAndSettle(pullRequestPayload(pr, "opened", { headSha, updatedAt: minute(3) }));

    assert.deepEqual(harness.github.calls(pr.repository, "create-deployment"), []);
    assert.equal((await preview(pr))?.state, "inactive");
  });

  it("deploys the preview again when the pull request is reopened after a close that came before its opened", async () => {
    const pr = newPullRequest(64);
    const [openedSha, reopenedSha] = [randomSha(), randomSha()];

    await deliverAndSettle(pullRequestPayload(pr, "closed", { headSha: openedSha, updatedAt: minute(2) }));
    await deliverAndSettle(pullRequestPayload(pr, "opened", { headSha: openedSha, updatedAt: minute(1) }));
    await harness.deliver(pullRequestPayload(pr, "reopened", { headSha: reopenedSha, updatedAt: minute(3) }));
    const row = await eventually("the reopened preview", async () => {
      const current = await preview(pr);
      return current?.state === "requested" ? current : undefined;
    });
    await harness.caughtUp();

    assert.deepEqual(deployedRefs(pr, "preview/pr-64"), [reopenedSha]);
    assert.equal(row.sha, reopenedSha);
    assert.notEqual(row.deployment_id, null);
  });

  it("keeps staging at the later merge when an earlier merge of another pull request is delivered after it", async () => {
    const earlier = newPullRequest(65);
    const later: PullRequestFixture = { ...earlier, number: 66 };
    const [earlierMerge, laterMerge] = [randomSha(), randomSha()];

    await harness.deliver(pullRequestPayload(later, "closed", { headSha: randomSha(), merged: true, mergeCommitSha: laterMerge, mergedAt: minute(5) }));
    await eventually("staging at the later merge", async () => (await harness.environment(later.repository, "staging"))?.sha === laterMerge);
    // The earlier pull request's updated_at is newer (a label after its merge): merged_at orders merges.
    await deliverAndSettle(
      pullRequestPayload(earlier, "closed", { headSha: randomSha(), merged: true, mergeCommitSha: earlierMerge, mergedAt: minute(4), updatedAt: minute(6) }),
    );

    assert.equal((await harness.environment(later.repository, "staging"))?.sha, laterMerge, "staging moved back to the earlier merge");
    assert.deepEqual(deployedRefs(later, "staging"), [laterMerge]);
  });
});

describe("which event is stale: the environment's time against the event's", () => {
  const at = new Date("2026-03-01T12:00:00Z");
  const earlier = new Date("2026-03-01T11:59:59Z");
  const later = new Date("2026-03-01T12:00:01Z");
  const cases = [
    { name: "an environment with no row takes any event", held: undefined, change: "deploy", event: earlier, stale: false },
    {
      name: "a row written before times were kept takes any event",
      held: { state: "inactive", versionAt: null },
      change: "deploy",
      event: earlier,
      stale: false,
    },
    { name: "a deploy older than the row is stale", held: { state: "requested", versionAt: at }, change: "deploy", event: earlier, stale: true },
    { name: "a deploy newer than the row applies", held: { state: "inactive", versionAt: at }, change: "deploy", event: later, stale: false },
    { name: "a retire older than the row is stale", held: { state: "requested", versionAt: at }, change: "retire", event: earlier, stale: true },
    { name: "on an equal time a deploy does not undo a retired row", held: { state: "inactive", versionAt: at }, change: "deploy", event: at, stale: true },
    { name: "on an equal time a deploy replaces a requested one", held: { state: "requested", versionAt: at }, change: "deploy", event: at, stale: false },
    { name: "on an equal time a retire applies", held: { state: "requested", versionAt: at }, change: "retire", event: at, stale: false },
  ] as const;

  for (const each of cases) {
    it(each.name, () => {
      assert.equal(isStale(each.held, each.change, each.event), each.stale);
    });
  }
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { startDeployments, type DeploymentsHarness } from "./harness.ts";
import { newPullRequest, pullRequestPayload, randomSha } from "./pull-requests.ts";

/**
 * A pull request's events fail once at GitHub and wait in a retry topic while the pull request's next
 * event is already in the log: the next one waits behind it (order per key in the consumer kit), so
 * the final state is the newest event's.
 */
describe("deployments applies a pull request's events in order when one of them fails once", () => {
  let harness: DeploymentsHarness;

  before(async () => {
    harness = await startDeployments();
  });

  after(async () => {
    await harness?.stop();
  });

  /** The deployments the fake GitHub holds for a repository, in the order they were created. */
  const deploymentsOf = async (repository: string) =>
    (await (await fetch(`${harness.github.url}/repos/${repository}/deployments`)).json()) as Array<{ id: number; sha: string; environment: string }>;

  // Retry-After: 1 keeps the failed event in its retry topic while the next delivery is taken.
  const onceUnavailable = { status: 503, headers: { "retry-after": "1" } };

  it("leaves the preview at the newer commit when the synchronize of the older one fails once", async () => {
    const pr = newPullRequest(61);
    const [opened, older, newer] = [randomSha(), randomSha(), randomSha()];
    await harness.deliver(pullRequestPayload(pr, "opened", { headSha: opened }));
    await eventually("the first preview", () => harness.environment(pr.repository, "preview/pr-61"));

    harness.github.failNext(pr.repository, "create-deployment", onceUnavailable);
    assert.equal(await harness.deliver(pullRequestPayload(pr, "synchronize", { headSha: older })), 202);
    assert.equal(await harness.deliver(pullRequestPayload(pr, "synchronize", { headSha: newer })), 202);
    await eventually("the newer commit's deployment", async () => (await deploymentsOf(pr.repository)).some((deployment) => deployment.sha === newer));
    await harness.caughtUp();

    const row = await harness.environment(pr.repository, "preview/pr-61");
    assert.equal(row?.sha, newer, "the preview shows the newest commit");
    assert.deepEqual(
      (await deploymentsOf(pr.repository)).map((deployment) => deployment.sha),
      [opened, older, newer],
      "the older commit was deployed before the newer one, not after",
    );
    assert.ok((await harness.metric("hooklog_consumer_parked_total")) >= 1, "the newer synchronize waited behind the older one");
  });

  it("retires the preview of a pull request closed while its opened event was waiting for a retry", async () => {
    const pr = newPullRequest(62);
    const headSha = randomSha();
    harness.github.failNext(pr.repository, "create-deployment", onceUnavailable);

    assert.equal(await harness.deliver(pullRequestPayload(pr, "opened", { headSha })), 202);
    assert.equal(await harness.deliver(pullRequestPayload(pr, "closed", { headSha })), 202);
    await eventually("the preview to be inactive", async () => (await harness.environment(pr.repository, "preview/pr-62"))?.state === "inactive");
    await harness.caughtUp();

    // The closed waited behind the opened (rather than being applied first and making the opened stale):
    // the preview was deployed once, then retired.
    const deployments = await deploymentsOf(pr.repository);
    assert.deepEqual(
      deployments.map((deployment) => deployment.sha),
      [headSha],
    );
    const [preview] = deployments;
    assert.deepEqual(
      harness.github.statuses(preview?.id ?? 0).map((status) => status.state),
      ["queued", "inactive"],
      "the preview of the closed pull request is retired",
    );
  });
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { GITHUB_TOKEN, startDeployments, type DeploymentsHarness } from "./harness.ts";
import { newPullRequest, pullRequestPayload, randomSha, type PullRequestFixture } from "./pull-requests.ts";

describe("deployments retires a closed pull request's preview and deploys a merge to staging", () => {
  let harness: DeploymentsHarness;

  before(async () => {
    harness = await startDeployments();
  });

  after(async () => {
    await harness?.stop();
  });

  async function openedPreview(pr: PullRequestFixture): Promise<{ headSha: string; deploymentId: string }> {
    const headSha = randomSha();
    await harness.deliver(pullRequestPayload(pr, "opened", { headSha }));
    const row = await eventually("the preview row", () => harness.environment(pr.repository, `preview/pr-${pr.number}`));
    return { headSha, deploymentId: String(row.deployment_id) };
  }

  const inactiveState = async (pr: PullRequestFixture) => {
    const row = await harness.environment(pr.repository, `preview/pr-${pr.number}`);
    return row?.state === "inactive" ? row : undefined;
  };

  it("deploys the merge commit to staging once and marks the preview inactive when the pull request is merged", async () => {
    const pr = newPullRequest(41);
    const preview = await openedPreview(pr);
    const mergeCommitSha = randomSha();

    await harness.deliver(pullRequestPayload(pr, "closed", { headSha: preview.headSha, merged: true, mergeCommitSha }));
    const retired = await eventually("the preview to be inactive", () => inactiveState(pr));
    await harness.caughtUp();

    const staging = harness.github.calls(pr.repository, "create-deployment").filter((request) => request.body?.environment === "staging");
    assert.equal(staging.length, 1);
    assert.equal(staging[0]?.path, `/repos/${pr.repository}/deployments`);
    assert.equal(staging[0]?.authorization, `token ${GITHUB_TOKEN}`);
    assert.deepEqual(
      { ...staging[0]?.body, payload: undefined, description: undefined },
      {
        ref: mergeCommitSha,
        environment: "staging",
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        production_environment: false,
        payload: undefined,
        description: undefined,
      },
    );
    const stagingRow = await harness.environment(pr.repository, "staging");
    assert.deepEqual(
      { sha: stagingRow?.sha, state: stagingRow?.state, pull_request: stagingRow?.pull_request },
      { sha: mergeCommitSha, state: "requested", pull_request: 41 },
    );
    const statusStates = harness.github
      .requests(pr.repository)
      .filter((request) => request.call === "create-status")
      .map((request) => `${request.path.split("/")[5]} ${String(request.body?.state)}`);
    assert.deepEqual(statusStates, [`${preview.deploymentId} queued`, `${stagingRow?.deployment_id} queued`, `${preview.deploymentId} inactive`]);
    assert.equal(retired.deployment_id, preview.deploymentId);
  });

  it("marks the preview inactive and deploys nothing to staging when the pull request is closed without merging", async () => {
    const pr = newPullRequest(42);
    const preview = await openedPreview(pr);

    // GitHub fills merge_commit_sha for unmerged pull requests too (the test merge): merged decides.
    await harness.deliver(pullRequestPayload(pr, "closed", { headSha: preview.headSha, merged: false, mergeCommitSha: randomSha() }));
    await eventually("the preview to be inactive", () => inactiveState(pr));
    await harness.caughtUp();

    const requests = harness.github.requests(pr.repository);
    const inactive = requests.filter((request) => request.body?.state === "inactive");
    assert.deepEqual(
      inactive.map((request) => `${request.method} ${request.path}`),
      [`POST /repos/${pr.repository}/deployments/${preview.deploymentId}/statuses`],
    );
    assert.equal(inactive[0]?.authorization, `token ${GITHUB_TOKEN}`);
    assert.equal(harness.github.calls(pr.repository, "create-deployment").length, 1);
    assert.equal(
      requests.some((request) => request.body?.environment === "staging" || request.query.get("environment") === "staging"),
      false,
    );
    assert.equal(await harness.environment(pr.repository, "staging"), undefined);
  });

  it("calls GitHub no more when the same pull request is closed again after its preview is inactive", async () => {
    const pr = newPullRequest(43);
    const preview = await openedPreview(pr);
    await harness.deliver(pullRequestPayload(pr, "closed", { headSha: preview.headSha }));
    await eventually("the preview to be inactive", () => inactiveState(pr));
    const requestsBefore = harness.github.requests(pr.repository).length;
    const processedBefore = await harness.metric("hooklog_consumer_processed_total");

    // Another delivery id, as when a second webhook of the repository reports the same close.
    await harness.deliver(pullRequestPayload(pr, "closed", { headSha: preview.headSha }));
    await eventually("the second close to be processed", async () => (await harness.metric("hooklog_consumer_processed_total")) > processedBefore);
    await harness.caughtUp();

    assert.equal(harness.github.requests(pr.repository).length, requestsBefore);
    assert.equal((await inactiveState(pr))?.deployment_id, preview.deploymentId);
  });
});

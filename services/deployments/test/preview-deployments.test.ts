import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { GITHUB_TOKEN, startDeployments, type DeploymentsHarness } from "./harness.ts";
import { newPullRequest, pullRequestPayload, randomSha } from "./pull-requests.ts";

describe("deployments gives each head commit of an open pull request one preview deployment", () => {
  let harness: DeploymentsHarness;

  before(async () => {
    harness = await startDeployments();
  });

  after(async () => {
    await harness?.stop();
  });

  it("creates one deployment of the head sha in preview/pr-N with a queued status and records the environment as requested", async () => {
    const pr = newPullRequest(7);
    const headSha = randomSha();

    const answer = await harness.deliver(pullRequestPayload(pr, "opened", { headSha }));
    const row = await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-7"));
    await harness.caughtUp();

    assert.equal(answer, 202);
    const requests = harness.github.requests(pr.repository);
    assert.deepEqual(
      requests.map((request) => `${request.method} ${request.path}`),
      [`POST /repos/${pr.repository}/deployments`, `POST /repos/${pr.repository}/deployments/${row.deployment_id}/statuses`],
      "a first attempt has nothing to look for",
    );
    for (const request of requests) assert.equal(request.authorization, `token ${GITHUB_TOKEN}`);
    const [deployment, status] = requests;
    assert.deepEqual(
      { ...deployment?.body, payload: undefined, description: undefined },
      {
        ref: headSha,
        environment: "preview/pr-7",
        auto_merge: false,
        required_contexts: [],
        transient_environment: true,
        production_environment: false,
        payload: undefined,
        description: undefined,
      },
    );
    assert.match(String(deployment?.body?.description), /#7/);
    assert.equal(status?.body?.state, "queued");
    assert.deepEqual({ pull_request: row.pull_request, sha: row.sha, state: row.state }, { pull_request: 7, sha: headSha, state: "requested" });
  });

  it("keeps one deployment when GitHub redelivers a delivery three times and a replay writes its event again", async () => {
    const pr = newPullRequest(12);
    const deliveryId = randomUUID();
    const payload = pullRequestPayload(pr, "opened", { headSha: randomSha() });
    const duplicatesBefore = await harness.metric("hooklog_consumer_duplicates_skipped_total");

    const answers = [];
    for (let delivery = 0; delivery < 4; delivery += 1) answers.push(await harness.deliver(payload, deliveryId));
    await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-12"));
    await harness.replayDelivery(deliveryId);
    await eventually("the replayed copy to be skipped", async () => (await harness.metric("hooklog_consumer_duplicates_skipped_total")) > duplicatesBefore);
    await harness.caughtUp();

    assert.deepEqual(answers, [202, 200, 200, 200]);
    assert.equal(harness.github.calls(pr.repository, "create-deployment").length, 1);
    assert.equal(harness.github.calls(pr.repository, "create-status").length, 1);
  });

  it("creates a second preview deployment for the new head sha when the pull request is synchronized", async () => {
    const pr = newPullRequest(21);
    const firstSha = randomSha();
    const secondSha = randomSha();

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha: firstSha }));
    await eventually("the first deployment", () => harness.environment(pr.repository, "preview/pr-21"));
    await harness.deliver(pullRequestPayload(pr, "synchronize", { headSha: secondSha }));
    const row = await eventually("the row to follow the new sha", async () => {
      const current = await harness.environment(pr.repository, "preview/pr-21");
      return current?.sha === secondSha ? current : undefined;
    });
    await harness.caughtUp();

    const deployments = harness.github.calls(pr.repository, "create-deployment");
    assert.deepEqual(
      deployments.map((request) => request.body?.ref),
      [firstSha, secondSha],
    );
    assert.deepEqual(
      deployments.map((request) => request.body?.environment),
      ["preview/pr-21", "preview/pr-21"],
    );
    assert.equal(harness.github.calls(pr.repository, "create-status").length, 2);
    assert.equal(harness.github.calls(pr.repository, "create-status")[1]?.path, `/repos/${pr.repository}/deployments/${row.deployment_id}/statuses`);
    assert.equal(row.state, "requested");
  });

  it("dead-letters a pull_request event without a head sha at once, calling GitHub not at all", async () => {
    const pr = newPullRequest(33);
    const payload = pullRequestPayload(pr, "opened", { headSha: randomSha() }) as { pull_request: { head: Record<string, unknown> } };
    delete payload.pull_request.head.sha;
    const deliveryId = randomUUID();

    const answer = await harness.deliver(payload, deliveryId);
    await harness.caughtUp();
    const deadLetters = await harness.deadLetters();

    assert.equal(answer, 202);
    assert.deepEqual(deadLetters, [{ eventKey: `${harness.source}:${deliveryId}`, attempt: "1" }]);
    assert.equal(harness.github.requests(pr.repository).length, 0);
    assert.equal(await harness.environment(pr.repository, "preview/pr-33"), undefined);
  });
});

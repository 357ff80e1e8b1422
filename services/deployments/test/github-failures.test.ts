import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { GITHUB_TOKEN, HTTP_TIMEOUT_MS, startDeployments, type DeploymentsHarness } from "./harness.ts";
import { newPullRequest, pullRequestPayload, randomSha } from "./pull-requests.ts";

describe("deployments rides out GitHub failures without creating a deployment twice", () => {
  let harness: DeploymentsHarness;

  before(async () => {
    harness = await startDeployments();
  });

  after(async () => {
    await harness?.stop();
  });

  const listedDeployments = async (repository: string, sha: string) => {
    const response = await fetch(`${harness.github.url}/repos/${repository}/deployments?sha=${sha}`);
    return (await response.json()) as Array<{ id: number }>;
  };

  it("waits out a 503 with Retry-After: 1 and ends with exactly one deployment", async () => {
    const pr = newPullRequest(51);
    const headSha = randomSha();
    harness.github.failNext(pr.repository, "create-deployment", { status: 503, headers: { "retry-after": "1" } });

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha }));
    const row = await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-51"));
    await harness.caughtUp();

    const attempts = harness.github.calls(pr.repository, "create-deployment");
    assert.equal(attempts.length, 2, "the refused call and the one after Retry-After");
    const [refused, accepted] = attempts;
    assert.ok(
      refused && accepted && accepted.at - refused.at >= 1000,
      `the retry came ${accepted && refused ? accepted.at - refused.at : "?"} ms later, before Retry-After`,
    );
    assert.equal((await listedDeployments(pr.repository, headSha)).length, 1);
    assert.equal(harness.github.calls(pr.repository, "create-status").length, 1);
    assert.equal(row.state, "requested");
  });

  it("waits until x-ratelimit-reset when GitHub answers 403 with no requests remaining", async () => {
    const pr = newPullRequest(52);
    const resetSeconds = Math.ceil(Date.now() / 1000) + 2;
    harness.github.failNext(pr.repository, "create-deployment", {
      status: 403,
      message: "API rate limit exceeded",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetSeconds) },
    });

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha: randomSha() }));
    await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-52"));
    await harness.caughtUp();

    const creates = harness.github.calls(pr.repository, "create-deployment");
    assert.equal(creates.length, 2, "the refused call and the one after the reset");
    assert.ok((creates[1]?.at ?? 0) >= resetSeconds * 1000 - 50, "the retry came before the rate limit reset");
    assert.equal((await listedDeployments(pr.repository, (creates[1]?.body?.ref as string) ?? "")).length, 1);
  });

  it("does not create the deployment again when only its status call failed", async () => {
    const pr = newPullRequest(53);
    harness.github.failNext(pr.repository, "create-status", { status: 502, message: "Bad Gateway" });

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha: randomSha() }));
    const row = await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-53"));
    await harness.caughtUp();

    assert.equal(harness.github.calls(pr.repository, "create-deployment").length, 1);
    assert.deepEqual(
      harness.github.calls(pr.repository, "create-status").map((request) => request.path),
      [`/repos/${pr.repository}/deployments/${row.deployment_id}/statuses`, `/repos/${pr.repository}/deployments/${row.deployment_id}/statuses`],
    );
  });

  it("finds the deployment GitHub created on a call that timed out instead of creating a second one", async () => {
    const pr = newPullRequest(54);
    const headSha = randomSha();
    // GitHub creates the deployment, but its answer comes after the client has given up.
    harness.github.failNext(pr.repository, "create-deployment", { delayMs: HTTP_TIMEOUT_MS + 1000 });

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha }));
    const row = await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-54"));
    await harness.caughtUp();

    const calls = harness.github.requests(pr.repository).map((request) => `${request.method} ${request.path.split("/").slice(4).join("/")}`);
    const deployments = await listedDeployments(pr.repository, headSha);

    assert.deepEqual(
      calls,
      ["POST deployments", "GET deployments", `POST deployments/${row.deployment_id}/statuses`],
      "the retry looks first and finds the deployment",
    );
    assert.deepEqual(
      deployments.map((deployment) => String(deployment.id)),
      [row.deployment_id],
    );
  });

  it("does not set a deployment status again when GitHub set it but its answer came too late", async () => {
    const pr = newPullRequest(56);
    // GitHub records the status, but its answer comes after the client has given up.
    harness.github.failNext(pr.repository, "create-status", { delayMs: HTTP_TIMEOUT_MS + 1000 });

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha: randomSha() }));
    const row = await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-56"));
    await harness.caughtUp();

    const calls = harness.github.requests(pr.repository).map((request) => `${request.method} ${request.path.split("/").slice(4).join("/")}`);
    const statuses = `deployments/${row.deployment_id}/statuses`;
    assert.deepEqual(calls, ["POST deployments", `POST ${statuses}`, `GET ${statuses}`], "the retry looks, finds the queued status, and sets none");
    assert.deepEqual(
      harness.github.statuses(row.deployment_id ?? "").map((status) => status.state),
      ["queued"],
    );
  });

  it("logs a failed GitHub call without the token, and retries it", async () => {
    const pr = newPullRequest(55);
    harness.github.failNext(pr.repository, "create-deployment", { status: 502, message: "Server Error" });

    await harness.deliver(pullRequestPayload(pr, "opened", { headSha: randomSha() }));
    await eventually("the preview row", () => harness.environment(pr.repository, "preview/pr-55"));

    assert.equal(harness.github.calls(pr.repository, "create-deployment").length, 2);
    assert.match(harness.deploymentsOutput(), /handler failed/);
    assert.match(harness.deploymentsOutput(), /GitHub answered 502/);
    assert.equal(harness.deploymentsOutput().includes(GITHUB_TOKEN), false);
  });
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { delivery, startMockGitHub, type MockGitHub } from "./mock-github.ts";

const TOKEN = "ghp_reconciliationFetchMode0123456789";
const HOOK = { owner: "octo-org", repo: "storefront", hookId: 505 };

describe("GitHub reconciliation in fetch mode (RECONCILIATION_GITHUB_MODE=fetch)", () => {
  let github: MockGitHub;
  let harness: ReconciliationHarness<"github">;

  before(async () => {
    github = await startMockGitHub({ token: TOKEN });
    harness = await startReconciliation(
      { github: { provider: "github", githubHooks: [HOOK] } },
      { GITHUB_TOKEN: TOKEN, GITHUB_API_BASE: github.url, RECONCILIATION_GITHUB_MODE: "fetch" },
    );
  });

  after(async () => {
    await harness?.stop();
    await github?.close();
  });

  it("a dry run counts a lost delivery it would fetch and writes nothing: fetch mode writes only through the run, which a dry run holds back", async () => {
    const lost = delivery({ at: Date.now() - 60_000, statusCode: 0, event: "pull_request", action: "opened" });
    github.payloads.set(lost.guid, { action: "opened", number: 7, pull_request: { number: 7 }, repository: { full_name: "octo-org/storefront" } });
    github.deliveries.set(`${HOOK.owner}/${HOOK.repo}/${HOOK.hookId}`, [lost]);

    const result = await harness.service.reconcile(harness.sources.github.name, { dryRun: true });

    assert.equal(result.status, "dry-run", JSON.stringify(result));
    assert.ok(result.status === "dry-run");
    assert.deepEqual([result.eventsSeen, result.wouldBackfill, result.errors], [1, 1, []]);
    assert.deepEqual(await harness.readEnvelopes("github"), []);
    assert.deepEqual(await harness.runRows("github"), []);
    assert.equal(await harness.checkpoint("github"), undefined);
    assert.deepEqual(
      github.requests.filter((request) => request.method === "POST"),
      [],
    );
  });

  it("writes each lost delivery's payload to the topic with origin reconciliation instead of asking for a redelivery, and only once", async () => {
    const lost = delivery({ at: Date.now() - 60_000, statusCode: 0, event: "pull_request", action: "closed" });
    const payload = {
      action: "closed",
      number: 42,
      pull_request: { number: 42, title: "Recover lost deliveries", merged: true },
      repository: { full_name: "octo-org/storefront" },
      sender: { login: "octocat" },
    };
    github.payloads.set(lost.guid, payload);
    github.deliveries.set(`${HOOK.owner}/${HOOK.repo}/${HOOK.hookId}`, [delivery({ at: Date.now() - 30_000, statusCode: 200 }), lost]);

    const first = await harness.service.reconcile(harness.sources.github.name);
    const second = await harness.service.reconcile(harness.sources.github.name, { since: new Date(Date.now() - 10 * 60_000) });
    const records = await harness.readEnvelopes("github");

    assert.ok(first.status === "completed" && first.gapsFound === 1 && first.backfilled === 1);
    assert.ok(second.status === "completed" && second.gapsFound === 0 && second.backfilled === 0);
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record?.key, "octo-org/storefront#42");
    assert.equal(record?.envelope.providerEventId, lost.guid);
    assert.equal(record?.envelope.type, "pull_request.closed");
    assert.equal(record?.envelope.origin, "reconciliation");
    assert.deepEqual({ ...record?.envelope.verification }, { scheme: "api", secretIndex: null });
    assert.deepEqual(JSON.parse(record?.envelope.payload.toString("utf8") ?? "null"), payload);
    assert.equal(record?.envelope.headers["x-github-delivery"], lost.guid);
    assert.equal(record?.envelope.headers["x-hub-signature-256"], undefined, "signatures are never kept");
    assert.deepEqual(
      github.requests.filter((request) => request.method === "POST"),
      [],
    );
    assert.deepEqual(github.requests.filter((request) => request.path.endsWith(`/deliveries/${lost.id}`)).length, 1);
  });
});

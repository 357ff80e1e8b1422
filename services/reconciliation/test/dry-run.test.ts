import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_dry_run_7Qz";
const ADMIN_TOKEN = "hla_dry-run-test-token-0001";

describe("a dry run of a Stripe source whose log lacks 9 of the 15 events of the last two hours", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe" | "github">;
  let url: string;

  before(async () => {
    // One event every 5 minutes up to 5 s ago: 6 in the last 30 minutes, all 15 in the last 2 hours.
    stripe = await startMockStripe({ apiKey: API_KEY, events: stripeEvents(15, { newestAt: Math.floor(Date.now() / 1000) - 5, spacingSeconds: 300 }) });
    // The GitHub source is reconcilable (a token, a hook) but its API is never reached: a dry run refuses it first.
    harness = await startReconciliation(
      { stripe: { provider: "stripe" }, github: { provider: "github", githubHooks: [{ owner: "octo-org", repo: "shop", hookId: 1 }] } },
      {
        STRIPE_API_KEY: API_KEY,
        STRIPE_API_BASE: stripe.url,
        GITHUB_TOKEN: "ghp_dry_run_never_used",
        GITHUB_API_BASE: "http://127.0.0.1:9",
        HOOKLOG_ADMIN_TOKENS: ADMIN_TOKEN,
      },
    );
    const first = await harness.service.reconcile(harness.sources.stripe.name, { since: new Date(Date.now() - 30 * 60_000) });
    assert.ok(first.status === "completed" && first.backfilled === 6, "the last 30 minutes are in the log before the dry run");
    url = await harness.listen();
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("counts what the API lists and the log lacks, and writes no event, no run row and no checkpoint", async () => {
    const [envelopes, runs, checkpoint] = [await harness.readEnvelopes("stripe"), await harness.runRows("stripe"), await harness.checkpoint("stripe")];

    const result = await harness.service.reconcile(harness.sources.stripe.name, { since: new Date(Date.now() - 2 * 3_600_000), dryRun: true });

    assert.equal(result.status, "dry-run");
    assert.ok(result.status === "dry-run");
    assert.deepEqual(
      { eventsSeen: result.eventsSeen, wouldBackfill: result.wouldBackfill, errors: result.errors },
      { eventsSeen: 15, wouldBackfill: 9, errors: [] },
    );
    assert.equal(result.window.basis, "since");
    assert.equal((await harness.readEnvelopes("stripe")).length, envelopes.length, "the topic holds what it held");
    assert.deepEqual(await harness.runRows("stripe"), runs, "the run log has no row of the dry run");
    assert.deepEqual(await harness.checkpoint("stripe"), checkpoint, "the checkpoint stays");
  });

  it("POST /reconcile with dryRun and no source dry-runs every source it can and lists a GitHub source in redeliver mode as skipped, answering 200", async () => {
    const response = await fetch(`${url}/reconcile`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ since: "2h", dryRun: true }),
    });
    const body = (await response.json()) as { runs: Array<Record<string, unknown>> };

    assert.equal(response.status, 200, "a source that cannot be dry-run is no failure of the others");
    const bySource = new Map(body.runs.map((run) => [run.source, run]));
    assert.deepEqual([bySource.get(harness.sources.stripe.name)?.status, bySource.get(harness.sources.stripe.name)?.wouldBackfill], ["dry-run", 9]);
    const github = bySource.get(harness.sources.github.name);
    assert.deepEqual([github?.status, github?.code], ["skipped", "not_dry_runnable"]);
    assert.match(String(github?.reason), /redeliver.*RECONCILIATION_GITHUB_MODE=fetch/);
    assert.equal(stripe.requests.filter((request) => request.path === "/v1/events").length > 0, true);
  });

  it("POST /reconcile with dryRun naming the GitHub source in redeliver mode answers 409 not_dry_runnable, saying why and what to do", async () => {
    const response = await fetch(`${url}/reconcile`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ source: harness.sources.github.name, dryRun: true }),
    });
    const body = (await response.json()) as { error: { code: string; message: string } };

    assert.equal(response.status, 409);
    assert.equal(body.error.code, "not_dry_runnable");
    assert.match(body.error.message, /redeliver.*RECONCILIATION_GITHUB_MODE=fetch/);
  });

  it("a dry run whose window starts before the dedup ledger's retention warns dedup_retention_exceeded, as the real run would", async () => {
    const result = await harness.service.reconcile(harness.sources.stripe.name, { since: new Date(Date.now() - 8 * 86_400_000), dryRun: true });

    assert.ok(result.status === "dry-run");
    assert.deepEqual(
      result.errors.map((problem) => [problem.severity, problem.code]),
      [["warning", "dedup_retention_exceeded"]],
    );
  });

  it("a real run then backfills the 9, and a dry run after it finds nothing missing", async () => {
    const since = new Date(Date.now() - 2 * 3_600_000);
    const run = await harness.service.reconcile(harness.sources.stripe.name, { since });
    const again = await harness.service.reconcile(harness.sources.stripe.name, { since, dryRun: true });

    assert.ok(run.status === "completed");
    assert.equal(run.backfilled, 9);
    assert.equal((await harness.readEnvelopes("stripe")).length, 15);
    assert.ok(again.status === "dry-run");
    assert.equal(again.wouldBackfill, 0);
  });
});

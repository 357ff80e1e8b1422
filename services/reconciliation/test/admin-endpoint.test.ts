import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_admin_3Lm";
const ADMIN_TOKEN = "hla_admin-endpoint-test-token";

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/reconcile`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("the admin endpoint", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe" | "github">;
  let url: string;

  before(async () => {
    stripe = await startMockStripe({ apiKey: API_KEY, events: stripeEvents(15, { newestAt: Math.floor(Date.now() / 1000) - 5, spacingSeconds: 300 }) });
    // The GitHub source has hooks but GITHUB_TOKEN is unset: it cannot be reconciled.
    harness = await startReconciliation(
      { stripe: { provider: "stripe" }, github: { provider: "github", githubHooks: [{ owner: "octo-org", repo: "shop", hookId: 1 }] } },
      { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url, HOOKLOG_ADMIN_TOKENS: ADMIN_TOKEN },
    );
    url = await harness.listen();
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("POST /reconcile with a source and since runs that source from then and answers 200 with the run's summary", async () => {
    const started = Date.now();
    const answer = await post(url, { source: harness.sources.stripe.name, since: "2h" });

    assert.equal(answer.status, 200);
    assert.equal(answer.json.status, "completed");
    assert.equal(answer.json.source, harness.sources.stripe.name);
    assert.deepEqual([answer.json.eventsSeen, answer.json.gapsFound, answer.json.backfilled, answer.json.errors], [15, 15, 15, []]);
    const window = answer.json.window as { start: string; end: string; basis: string };
    assert.equal(window.basis, "since");
    assert.ok(Math.abs(Date.parse(window.start) - (started - 2 * 3_600_000)) < 5000);
    assert.equal(stripe.requests.at(-1)?.query.get("created[gte]"), String(Math.floor(Date.parse(window.start) / 1000)));
    assert.equal(typeof answer.json.runId, "string");
    assert.equal(answer.json.checkpointAdvanced, true);
  });

  it("answers 400 for a body that is JSON but not an object: only {} runs every source", async () => {
    const answers = await Promise.all(["[]", "null", '"stripe"', "1", "true"].map((body) => post(url, body)));

    assert.deepEqual(
      answers.map((answer) => [answer.status, (answer.json.error as { code?: string } | undefined)?.code]),
      answers.map(() => [400, "invalid_request"]),
    );
  });

  it("answers 400 for a since it cannot read, 404 for an unknown source and 409 for a source without API access", async () => {
    const badSince = await post(url, { source: harness.sources.stripe.name, since: "yesterday" });
    const notJson = await post(url, "{source:");
    const unknown = await post(url, { source: "no-such-source" });
    const noAccess = await post(url, { source: harness.sources.github.name });

    assert.equal(badSince.status, 400);
    assert.match(String((badSince.json.error as { message: string }).message), /30m, 2h or 3d/);
    assert.equal(notJson.status, 400);
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json.error as { code: string }).code, "unknown_source");
    assert.equal(noAccess.status, 409);
    assert.match(String((noAccess.json.error as { message: string }).message), /set GITHUB_TOKEN/);
  });

  it("GET /healthz answers ok and GET /metrics counts runs, events seen, gaps, backfills and durations by source", async () => {
    const health = await fetch(`${url}/healthz`);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const source = harness.sources.stripe.name;

    assert.equal(health.status, 200);
    assert.match(metrics, new RegExp(`hooklog_reconciliation_runs_total\\{source="${source}",status="completed"\\} 1`));
    assert.match(metrics, new RegExp(`hooklog_reconciliation_events_seen_total\\{source="${source}"\\} 15`));
    assert.match(metrics, new RegExp(`hooklog_reconciliation_gaps_found_total\\{source="${source}"\\} 15`));
    assert.match(metrics, new RegExp(`hooklog_reconciliation_backfilled_total\\{source="${source}"\\} 15`));
    assert.match(metrics, new RegExp(`hooklog_reconciliation_run_duration_seconds_count\\{source="${source}"\\} 1`));
  });
});

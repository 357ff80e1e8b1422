import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_credential_7Qd";
const CURRENT_TOKEN = "hla_current-admin-token-of-this-test";
const NEXT_TOKEN = "hla_next-admin-token-of-this-test";

interface Answer {
  status: number;
  challenge: string | null;
  json: { status?: string; error?: { code: string; message: string } };
}

async function postReconcile(url: string, source: string, authorization?: string): Promise<Answer> {
  const response = await fetch(`${url}/reconcile`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ source, since: "1h" }),
  });
  return { status: response.status, challenge: response.headers.get("www-authenticate"), json: (await response.json()) as Answer["json"] };
}

/** The value of the one sample of `metric` whose labels include every one of `labels`, or undefined. */
function sample(metrics: string, metric: string, labels: Record<string, string>): number | undefined {
  const line = metrics
    .split("\n")
    .find((each) => each.startsWith(`${metric}{`) && Object.entries(labels).every(([name, value]) => each.includes(`${name}="${value}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("POST /reconcile requires an admin token", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe">;
  let url: string;

  before(async () => {
    stripe = await startMockStripe({ apiKey: API_KEY, events: stripeEvents(3, { newestAt: Math.floor(Date.now() / 1000) - 5, spacingSeconds: 60 }) });
    // Two tokens, as while one rotates: either is accepted.
    harness = await startReconciliation(
      { stripe: { provider: "stripe" } },
      { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url, HOOKLOG_ADMIN_TOKENS: ` ${CURRENT_TOKEN}, ,${NEXT_TOKEN} ` },
    );
    url = await harness.listen();
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("answers 401 with a Bearer challenge to a request without a token, and reconciles nothing", async () => {
    const answer = await postReconcile(url, harness.sources.stripe.name);
    const metrics = await (await fetch(`${url}/metrics`)).text();

    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? "", /^Bearer\b/);
    assert.equal(answer.json.error?.code, "unauthorized");
    assert.deepEqual(await harness.runRows("stripe"), []);
    assert.equal(stripe.requests.length, 0, "the provider's API was not called");
    assert.equal(sample(metrics, "hooklog_reconciliation_runs_total", { source: harness.sources.stripe.name }), undefined);
  });

  it("answers 401 to a wrong token, counts the failure by route, and never echoes the token", async () => {
    const before = await (await fetch(`${url}/metrics`)).text();
    const refusedBefore = sample(before, "hooklog_admin_auth_failures_total", { route: "POST /reconcile", refusal: "not_accepted" }) ?? 0;

    const answer = await postReconcile(url, harness.sources.stripe.name, "Bearer hla_a-wrong-token-of-this-test");
    const metrics = await (await fetch(`${url}/metrics`)).text();

    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? "", /^Bearer\b/);
    assert.equal(answer.json.error?.code, "unauthorized");
    assert.doesNotMatch(JSON.stringify(answer.json), /wrong-token/);
    assert.equal(sample(metrics, "hooklog_admin_auth_failures_total", { route: "POST /reconcile", refusal: "not_accepted" }), refusedBefore + 1);
    assert.deepEqual(await harness.runRows("stripe"), []);
    assert.doesNotMatch(harness.logText(), /wrong-token|admin-token-of-this-test/);
  });

  it("accepts either of the configured tokens and answers with the run's summary", async () => {
    const withCurrent = await postReconcile(url, harness.sources.stripe.name, `Bearer ${CURRENT_TOKEN}`);
    const withNext = await postReconcile(url, harness.sources.stripe.name, `Bearer ${NEXT_TOKEN}`);

    assert.deepEqual([withCurrent.status, withCurrent.json.status], [200, "completed"]);
    assert.deepEqual([withNext.status, withNext.json.status], [200, "completed"]);
    assert.equal((await harness.runRows("stripe")).length, 2);
  });

  it("keeps GET /healthz and GET /metrics open", async () => {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
  });
});

describe("reconciliation started without HOOKLOG_ADMIN_TOKENS", () => {
  let harness: ReconciliationHarness<"stripe">;
  let url: string;

  before(async () => {
    harness = await startReconciliation({ stripe: { provider: "stripe" } }, { STRIPE_API_KEY: API_KEY });
    url = await harness.listen();
  });

  after(async () => {
    await harness?.stop();
  });

  it("warns once at start and refuses POST /reconcile, whatever the token, saying to set HOOKLOG_ADMIN_TOKENS", async () => {
    const unsent = await postReconcile(url, harness.sources.stripe.name);
    const guessed = await postReconcile(url, harness.sources.stripe.name, `Bearer ${CURRENT_TOKEN}`);
    const warnings = harness.logLines().filter((line) => line.level === 40 && /HOOKLOG_ADMIN_TOKENS/.test(String(line.msg)));

    for (const answer of [unsent, guessed]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.json.error?.code, "unauthorized");
      assert.match(answer.json.error?.message ?? "", /set HOOKLOG_ADMIN_TOKENS/);
    }
    assert.equal(warnings.length, 1);
    assert.deepEqual(await harness.runRows("stripe"), []);
  });
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe, type StripeEventObject } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_paging_9Qz";
const DAY_MS = 86_400_000;
const now = (): number => Math.floor(Date.now() / 1000);

describe("Stripe reconciliation through many pages, rate limits and old checkpoints", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"paged" | "throttled" | "old" | "typed">;
  let events: StripeEventObject[];

  before(async () => {
    // 620 recent events (7 pages of 100) and 30 from 35-45 days ago, which Stripe no longer keeps.
    events = [...stripeEvents(620, { newestAt: now() - 5, spacingSeconds: 2 }), ...stripeEvents(30, { newestAt: now() - 35 * 86_400, spacingSeconds: 30_000 })];
    stripe = await startMockStripe({ apiKey: API_KEY, events });
    harness = await startReconciliation(
      {
        paged: { provider: "stripe" },
        throttled: { provider: "stripe" },
        old: { provider: "stripe" },
        typed: { provider: "stripe", eventTypes: ["invoice.paid", "payment_intent.succeeded"] },
      },
      { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url },
    );
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("pages through seven pages and, after a 429 in the middle, completes with every event written", async () => {
    const { name } = harness.sources.paged;
    await harness.setCheckpoint("paged", new Date(Date.now() - 60 * 60_000));
    stripe.rateLimit(events[399]?.id);
    const before = stripe.requests.length;

    const result = await harness.service.reconcile(name);
    const records = await harness.readEnvelopes("paged");
    const asked = stripe.requests.slice(before);

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.deepEqual(
      { eventsSeen: result.eventsSeen, gapsFound: result.gapsFound, backfilled: result.backfilled, errors: result.errors },
      { eventsSeen: 620, gapsFound: 620, backfilled: 620, errors: [] },
    );
    assert.equal(new Set(records.map((record) => record.envelope.providerEventId)).size, 620);
    assert.deepEqual(
      asked.map((request) => [request.query.get("starting_after"), request.status]),
      [
        [null, 200],
        [events[99]?.id, 200],
        [events[199]?.id, 200],
        [events[299]?.id, 200],
        [events[399]?.id, 429],
        [events[399]?.id, 200],
        [events[499]?.id, 200],
        [events[599]?.id, 200],
      ],
    );
    assert.ok(
      harness
        .logLines()
        .some(
          (line) =>
            line.msg ===
              "stripe API call failed (Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.); retrying" &&
            typeof line.requestId === "string",
        ),
    );
  });

  it("asks Stripe only for the source's eventTypes and writes only those", async () => {
    const { name } = harness.sources.typed;
    await harness.setCheckpoint("typed", new Date(Date.now() - 60 * 60_000));
    const expected = events.filter((event) => event.created > now() - 3600 && event.type !== "charge.succeeded").length;
    const before = stripe.requests.length;

    const result = await harness.service.reconcile(name);
    const records = await harness.readEnvelopes("typed");
    const asked = stripe.requests.slice(before);

    assert.equal(result.status, "completed");
    assert.deepEqual(new Set(records.map((record) => record.envelope.type)), new Set(["invoice.paid", "payment_intent.succeeded"]));
    assert.equal(records.length, expected);
    for (const request of asked) assert.deepEqual([request.query.get("types[0]"), request.query.get("types[1]")], ["invoice.paid", "payment_intent.succeeded"]);
  });

  it("with a checkpoint older than 30 days warns in the run's errors and still writes what Stripe can list", async () => {
    const { name } = harness.sources.old;
    const checkpoint = new Date(Date.now() - 40 * DAY_MS);
    await harness.setCheckpoint("old", checkpoint);
    const before = stripe.requests.length;

    const result = await harness.service.reconcile(name);
    const records = await harness.readEnvelopes("old");
    const [row] = await harness.runRows("old");

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.equal(result.backfilled, 620, "the 620 events Stripe still keeps; the 30 older ones are gone");
    assert.equal(records.length, 620);
    assert.equal(stripe.requests[before]?.query.get("created[gte]"), String(Math.floor((checkpoint.getTime() - 10 * 60_000) / 1000)));
    assert.ok(result.errors.some((problem) => problem.severity === "warning" && problem.code === "stripe_retention_exceeded"));
    assert.ok(
      row?.errors.some((problem) => problem.code === "stripe_retention_exceeded"),
      "the warning is in the run log too",
    );
    assert.ok(result.checkpointAdvanced);
    assert.ok(harness.logLines().some((line) => line.code === "stripe_retention_exceeded" && line.level === 40));
  });

  it("a 429 that does not end fails the run after bounded attempts, logs the request id, never the key, and keeps the checkpoint", async () => {
    const { name } = harness.sources.throttled;
    const checkpoint = new Date(Date.now() - 30 * 60_000);
    await harness.setCheckpoint("throttled", checkpoint);
    stripe.rateLimitForever();
    const before = stripe.requests.length;

    const result = await harness.service.reconcile(name);
    const [row] = await harness.runRows("throttled");

    assert.equal(result.status, "failed");
    assert.ok(result.status === "failed");
    assert.equal(stripe.requests.length - before, 4, "RECONCILIATION_MAX_ATTEMPTS=4");
    const [problem] = result.errors;
    assert.equal(problem?.code, "stripe_rate_limited");
    assert.match(problem?.requestId ?? "", /^req_/);
    assert.deepEqual(row?.errors, result.errors);
    assert.equal((await harness.checkpoint("throttled"))?.getTime(), checkpoint.getTime());
    assert.ok(harness.logLines().some((line) => line.level === 50 && line.code === "stripe_rate_limited" && line.requestId === problem?.requestId));
    assert.ok(!harness.logText().includes(API_KEY));
  });
});

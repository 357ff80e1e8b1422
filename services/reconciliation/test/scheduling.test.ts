import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_lock_7Kp";

describe("one reconciliation at a time per source", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe">;

  before(async () => {
    stripe = await startMockStripe({ apiKey: API_KEY, events: stripeEvents(30, { newestAt: Math.floor(Date.now() / 1000) - 5, spacingSeconds: 10 }) });
    harness = await startReconciliation({ stripe: { provider: "stripe" } }, { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url });
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("of two instances reconciling the same source at once, one runs and the other is skipped by the advisory lock", async () => {
    const other = await harness.secondInstance();
    stripe.delayMs = 500;

    const results = await Promise.all([harness.service.reconcile(harness.sources.stripe.name), other.reconcile(harness.sources.stripe.name)]);
    stripe.delayMs = 0;
    const rows = await harness.runRows("stripe");

    assert.deepEqual(results.map((result) => result.status).sort(), ["completed", "skipped"]);
    const skipped = results.find((result) => result.status === "skipped");
    assert.match(skipped?.status === "skipped" ? skipped.reason : "", /another reconciliation of .* is running \(its advisory lock is held\)/);
    assert.equal(rows.length, 1, "a skipped run writes no run log row");
  });

  it("two runs of one source started together in one instance: the second is skipped too, and the lock is free afterwards", async () => {
    stripe.delayMs = 300;
    const [first, second] = await Promise.all([harness.service.reconcile(harness.sources.stripe.name), harness.service.reconcile(harness.sources.stripe.name)]);
    stripe.delayMs = 0;
    const later = await harness.service.reconcile(harness.sources.stripe.name);

    assert.deepEqual([first.status, second.status].sort(), ["completed", "skipped"]);
    assert.equal(later.status, "completed");
  });
});

describe("reconciliation on an interval", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe" | "webhooks">;

  before(async () => {
    stripe = await startMockStripe({ apiKey: API_KEY, events: stripeEvents(12, { newestAt: Math.floor(Date.now() / 1000) - 5, spacingSeconds: 60 }) });
    harness = await startReconciliation(
      // A Standard Webhooks source has no API to reconcile against: the schedule passes it by.
      { stripe: { provider: "stripe" }, webhooks: { provider: "standard-webhooks" } },
      { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url, RECONCILIATION_INTERVAL_SECONDS: "1" },
    );
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("runs every reconcilable source again after each interval, from the checkpoint the last run left", async () => {
    await eventually("two scheduled runs", async () => (await harness.runRows("stripe")).length >= 2, { intervalMs: 100 });
    const [first, second] = await harness.runRows("stripe");
    const records = await harness.readEnvelopes("stripe");

    assert.equal(first?.backfilled, 12);
    assert.equal(second?.backfilled, 0);
    assert.equal(second?.window_start.getTime(), (first?.window_end.getTime() ?? 0) - 10 * 60_000, "from the first run's window end minus the overlap");
    assert.equal(records.length, 12);
    assert.deepEqual(await harness.runRows("webhooks"), []);
  });
});

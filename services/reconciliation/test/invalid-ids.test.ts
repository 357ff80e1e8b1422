import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe, type StripeEventObject } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_invalid_ids_51Hx";

describe("a Stripe source whose API lists events with ids the log cannot take", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe">;
  let events: StripeEventObject[];

  before(async () => {
    const now = Math.floor(Date.now() / 1000);
    events = stripeEvents(5, { newestAt: now - 5, spacingSeconds: 7 });
    (events[1] as StripeEventObject).id = `evt_${"x".repeat(300)}`;
    (events[3] as StripeEventObject).id = "evt_with\u0000nul";
    stripe = await startMockStripe({ apiKey: API_KEY, events });
    harness = await startReconciliation({ stripe: { provider: "stripe" } }, { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url });
    await harness.setCheckpoint("stripe", new Date(((events.at(-1)?.created ?? now) - 60) * 1000));
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("writes the others, names the two it skipped in warnings, and completes so its checkpoint moves on", async () => {
    const result = await harness.service.reconcile(harness.sources.stripe.name);

    assert.equal(result.status, "completed", JSON.stringify(result));
    assert.ok(result.status === "completed");
    assert.equal(result.backfilled, 3);
    assert.equal(result.checkpointAdvanced, true);
    assert.deepEqual(
      result.errors.filter((problem) => problem.code === "invalid_event_id").map((problem) => problem.severity),
      ["warning", "warning"],
    );
    const written = (await harness.readEnvelopes("stripe")).map((record) => record.envelope.providerEventId).sort();
    assert.deepEqual(written, [events[0], events[2], events[4]].map((event) => (event as StripeEventObject).id).sort());
  });
});

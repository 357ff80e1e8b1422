import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { createKafka } from "@hooklog/kafka";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe, type StripeEventObject } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_backfill_order_51Hx";

describe("a backfill whose oldest event of one order Kafka refuses", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe">;
  let refused: StripeEventObject;
  let sameOrderLater: StripeEventObject;
  let otherOrder: StripeEventObject;

  before(async () => {
    const now = Math.floor(Date.now() / 1000);
    // Oldest first once sorted: the refused event, then a later event of the same charge, then another charge's.
    const [third, second, first] = stripeEvents(3, { newestAt: now - 5, spacingSeconds: 7, types: ["charge.succeeded"] }) as [
      StripeEventObject,
      StripeEventObject,
      StripeEventObject,
    ];
    refused = first;
    // Larger than the topic takes once an operator has lowered its limit (below): Kafka refuses it, every time.
    refused.data.object.description = "x".repeat(256 * 1024);
    sameOrderLater = { ...second, data: { object: { ...second.data.object, id: refused.data.object.id } } };
    otherOrder = third;
    stripe = await startMockStripe({ apiKey: API_KEY, events: [refused, sameOrderLater, otherOrder] });
    harness = await startReconciliation({ stripe: { provider: "stripe" } }, { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url });
    await harness.setCheckpoint("stripe", new Date((refused.created - 60) * 1000));
    const admin = createKafka({ clientId: "backfill-order-test", brokers: harness.stack.kafkaBrokers.split(",") }).admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2 /* TOPIC */, name: harness.sources.stripe.topic, configEntries: [{ name: "max.message.bytes", value: String(128 * 1024) }] }],
      });
    } finally {
      await admin.disconnect();
    }
  });

  after(async () => {
    await harness?.stop();
    await stripe?.close();
  });

  it("writes no later event of that order, writes the other order's, and fails the run naming the refused event", async () => {
    const result = await harness.service.reconcile(harness.sources.stripe.name);

    assert.equal(result.status, "failed", JSON.stringify(result));
    assert.ok(result.status === "failed");
    const written = (await harness.readEnvelopes("stripe")).map((record) => record.envelope.providerEventId);
    assert.deepEqual(written, [otherOrder.id], "a later event of the refused event's order overtook it");
    assert.ok(
      result.errors.some((problem) => problem.severity === "error" && problem.message.includes(refused.id)),
      JSON.stringify(result.errors),
    );
    assert.equal(result.checkpointAdvanced, false);
  });
});

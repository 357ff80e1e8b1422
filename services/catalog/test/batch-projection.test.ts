// The catalog writes a batch in a few multi-row upserts, and falls back to its per-event handlers
// when that fails: both must leave the very same rows, or a fallback would change the catalog.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { groupId, startConsumer, type ConsumerDefinition, type RunningConsumer } from "@hooklog/consumer-kit";
import { createLogger } from "@hooklog/logging";
import { consumerCaughtUp, eventually, testStack, uniqueName } from "@hooklog/testkit";
import { catalogConsumer } from "../src/catalog-consumer.ts";
import { DAY_MS, catalogHarness, type CatalogHarness } from "./harness.ts";

describe("the catalog's batch projection", () => {
  let hub: CatalogHarness;
  const perEventName = uniqueName("catalog-one-by-one");

  before(async () => {
    hub = await catalogHarness();
  });

  after(async () => {
    await hub?.db("processed_events").where({ consumer: perEventName }).delete();
    await hub?.close();
  });

  /** Runs a catalog consumer over the run's topics until it has committed everything, then stops it. */
  async function project(definition: ConsumerDefinition): Promise<void> {
    const stack = await testStack();
    const running: RunningConsumer = await startConsumer(definition, {
      kafkaBrokers: hub.brokers,
      schemaRegistryUrl: stack.schemaRegistryUrl,
      db: hub.db,
      logger: createLogger({ service: "catalog-test", level: "silent" }),
    });
    try {
      await eventually("the catalog to have committed every message", () => consumerCaughtUp(stack.kafkaBrokers, groupId(definition.name)), {
        timeoutMs: 60_000,
      });
    } finally {
      await running.stop();
    }
  }

  it("writes the same rows in one call per batch as event by event", async () => {
    // One clock for both runs: an expired payload's pruned_at is the time of projection.
    const now = Date.now();
    const settings = (consumerName: string) => ({
      consumerName,
      sourceTopics: [hub.stripe.topic, hub.github.topic],
      deliveriesTopic: hub.deliveriesTopic,
      payloadRetentionMs: 30 * DAY_MS,
      retryBaseDelayMs: 200,
      now: () => now,
    });
    const events = [
      ...(await hub.publish(hub.stripe, [
        { type: "invoice.paid", payload: Buffer.from('{"id":"evt_a","data":{"object":{"customer":"cus_batch"}}}'), key: "in_a" },
        { type: "charge.refunded", payload: Buffer.from('{"id":"evt_b"}'), key: "in_a" },
        { contentType: "text/plain", payload: Buffer.from("plain words") },
        { contentType: "application/octet-stream", payload: Buffer.from([0xff, 0xfe, 0x00, 0x41]) },
        { payload: Buffer.from('{"id":"evt_nul","note":"a\\u0000b"}') },
        { receivedAt: now - 31 * DAY_MS, payload: Buffer.from('{"id":"evt_old"}') },
        { providerEventId: "evt_with_key", key: "in_b" },
      ])),
      ...(await hub.publish(hub.github, [{ type: "push", payload: Buffer.from('{"ref":"refs/heads/main"}'), key: "repo" }])),
    ];
    // The same envelope again, as a retrying producer would write it: one row still.
    const [again] = events;
    assert.ok(again);
    await hub.publish(hub.stripe, [{ ...again.event, key: again.key }]);
    const deliveries = await hub.publishDeliveries([
      { source: hub.stripe.name, hubEventId: again.event.id, providerEventId: "evt_a", eventType: "invoice.paid", headers: { "user-agent": "Stripe/1.0" } },
      { source: hub.github.name, outcome: "rejected", status: 401, reason: "signature_mismatch", verificationFailure: "signature_mismatch", bodyBytes: 0 },
    ]);

    const batched = catalogConsumer(settings(hub.consumerName));
    const applyBatch = batched.applyBatch;
    assert.ok(applyBatch, "the catalog applies its batches in one call");
    let passed = 0;
    await project({
      ...batched,
      applyBatch: async (inbound, context) => {
        passed += inbound.length;
        await applyBatch(inbound, context);
      },
    });
    // Every event (its copy is a duplicate: the same event key) and every delivery went through applyBatch.
    assert.equal(passed, events.length + deliveries.length);
    const inOneCall = await hub.snapshot();
    assert.equal(inOneCall.events.length, events.length);
    assert.equal(inOneCall.deliveries.length, deliveries.length);

    await hub.db("catalog_events").whereIn("source", [hub.stripe.name, hub.github.name]).delete();
    await hub.db("catalog_deliveries").whereIn("source", [hub.stripe.name, hub.github.name]).delete();
    const { applyBatch: _left, ...oneByOne } = catalogConsumer(settings(perEventName));
    await project(oneByOne);
    assert.deepEqual(await hub.snapshot(), inOneCall);
  });
});

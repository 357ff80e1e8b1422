// A batch whose handlers call slow outside services can outlast the session timeout: unless the kit
// heartbeats while it works, the broker drops the member and the consumer's commit is refused.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, settle, type KitHarness } from "./harness.ts";

const SESSION_TIMEOUT_MS = 6000; // the broker's group.min.session.timeout.ms
const HANDLER_MS = 5000;

describe("a batch that takes longer than the session timeout", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
    await harness?.close();
  });

  it("keeps the consumer in its group: no rejoin, each effect applied once, no redelivered copy, and it consumes on", async () => {
    const name = uniqueName("kit-long-batch");
    const key = (id: string): string => `${harness.source}:${id}`;
    // Joins at startup may come in a burst (the consumer's new retry topics still settling in the
    // metadata); what counts is that none comes once the batch has begun.
    let joinsAsTheBatchBegan: number | undefined;
    const definition = defineConsumer({
      name,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              joinsAsTheBatchBegan ??= running?.groupJoins();
              if (event.key.includes(":evt_slow_")) await new Promise((resolve) => setTimeout(resolve, HANDLER_MS)); // a slow outside call
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
            },
          },
        },
      ],
    });
    running = await startConsumer(definition, {
      kafkaBrokers: harness.brokers,
      schemaRegistryUrl: harness.registryUrl,
      db: harness.db,
      logger: harness.logger,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    await running.joined;

    // One send with one key: one batch of 2 × 5 s, well past the 6 s session.
    await harness.publish([{ providerEventId: "evt_slow_1" }, { providerEventId: "evt_slow_2" }], { key: "one-batch" });
    await eventually("both slow effects", async () => (await harness.effectRows()).length >= 2, { timeoutMs: 60_000 });
    await harness.publish([{ providerEventId: "evt_after" }], { key: "one-batch" });
    await eventually("the event published after the long batch", async () => (await harness.effectRows()).length >= 3, { timeoutMs: 30_000 });
    // Long enough for a rebalance and a redelivered batch to show, had the member been dropped.
    await settle(SESSION_TIMEOUT_MS);

    assert.deepEqual(await harness.effectRows(), [
      { event_key: key("evt_after"), attempt: 1 },
      { event_key: key("evt_slow_1"), attempt: 1 },
      { event_key: key("evt_slow_2"), attempt: 1 },
    ]);
    assert.ok(joinsAsTheBatchBegan !== undefined && joinsAsTheBatchBegan > 0);
    assert.equal(running.groupJoins(), joinsAsTheBatchBegan, "no join after the batch began: no rebalance");
    const metrics = await running.metrics.registry.metrics();
    assert.doesNotMatch(metrics, new RegExp(`hooklog_consumer_duplicates_skipped_total\\{consumer="${name}"\\} [1-9]`), "no copy redelivered");
    assert.match(metrics, new RegExp(`hooklog_consumer_processed_total\\{consumer="${name}"\\} 3`));
  });
});

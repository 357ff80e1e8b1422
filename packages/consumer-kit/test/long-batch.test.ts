// A batch whose handlers call slow outside services can outlast the session timeout: unless the kit
// heartbeats while it works, the broker drops the member and the consumer's commit is refused.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { consumerCaughtUp, eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, groupId, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

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
    // The marker: an event after the batch on the same partition. Had the member been dropped, the
    // slow batch's commit would have been refused and the batch redelivered before this event.
    await harness.publish([{ providerEventId: "evt_after" }], { key: "one-batch" });
    await eventually("the event published after the long batch", async () => (await harness.effectRows()).some((row) => row.event_key === key("evt_after")), {
      timeoutMs: 30_000,
    });
    await eventually("the consumer to have committed every message", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));

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

// A batch's handlers run in one transaction without a savepoint each; a failure sends the batch event
// by event. The failed handler is not run again in that pass: a handler runs once per attempt, as
// retries and the outside services it calls count them.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { consumerCaughtUp, eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, groupId, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("a batch's handlers in one transaction", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  beforeEach(async () => {
    harness = await kitHarness();
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await harness?.close();
  });

  it("runs a failing handler once per attempt, commits the batch's other events once, and retries the failed one", async () => {
    const name = uniqueName("kit-together");
    const calls = new Map<string, number[]>();
    const outside: string[] = [];
    running = await startConsumer(
      defineConsumer({
        name,
        retryBaseDelayMs: 100,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                calls.set(event.key, [...(calls.get(event.key) ?? []), context.attempt]);
                await context.once("notify", async () => {
                  outside.push(event.key);
                  return "sent";
                });
                if (event.key.endsWith(":evt_2") && context.attempt === 1) throw new Error("planned failure of evt_2");
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    await running.joined;
    // One key, so one partition: the five events come in one batch.
    await harness.publish(
      ["evt_1", "evt_2", "evt_3", "evt_4", "evt_5"].map((providerEventId) => ({ providerEventId })),
      { key: "entity-together" },
    );

    await eventually("every event applied", async () => (await harness.effectRows()).length === 5);
    await eventually("the consumer to have committed every message and retry", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));
    const key = (id: string): string => `${harness.source}:${id}`;
    assert.deepEqual(calls.get(key("evt_2")), [1, 2], "the failing handler ran once in its first attempt, then in its retry");
    assert.deepEqual(
      (await harness.effectRows()).map((row) => [row.event_key, row.attempt]),
      [
        [key("evt_1"), 1],
        [key("evt_2"), 2],
        [key("evt_3"), 1],
        [key("evt_4"), 1],
        [key("evt_5"), 1],
      ],
    );
    assert.deepEqual([...outside].sort(), ["evt_1", "evt_2", "evt_3", "evt_4", "evt_5"].map(key).sort(), "each outside call made once");
  });
});

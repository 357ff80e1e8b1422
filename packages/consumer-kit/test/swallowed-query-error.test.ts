// A handler that catches a failed query of its own leaves Postgres's transaction aborted: every later
// command fails, and COMMIT silently becomes ROLLBACK. The kit must fail that one event, not the batch.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { consumerCaughtUp, eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, groupId, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("a handler that swallows a failed query", () => {
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

  // Without per-key order nothing waits behind the failed event: the events after it are applied in the batch.
  for (const ordering of ["per-key", "none"] as const) {
    it(`fails only its own event, which is retried and applied once, and the batch's other events commit exactly once (ordering ${ordering})`, async () => {
      const name = uniqueName("kit-swallow");
      const key = (id: string): string => `${harness.source}:${id}`;
      const definition = defineConsumer({
        name,
        ordering,
        retryBaseDelayMs: 200,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                try {
                  await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
                } catch (error) {
                  // As handlers do: their own error, Postgres's as its cause. After evt_swallows, in the
                  // batch's one transaction, that cause is the refusal its swallowed failure brings.
                  throw new Error(`could not record ${event.key}`, { cause: error });
                }
                if (event.key === key("evt_swallows") && context.attempt === 1) {
                  try {
                    await context.trx.raw("select 1/0");
                  } catch {
                    // The defect under test: the handler hides the error, Postgres has aborted the transaction.
                  }
                }
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
      });
      await running.joined;

      // One send with one key: one partition, one batch, in this order.
      await harness.publish([{ providerEventId: "evt_good_1" }, { providerEventId: "evt_swallows" }, { providerEventId: "evt_good_2" }], { key: "one-batch" });

      await eventually("the swallowing event applied on its retry", async () =>
        (await harness.effectRows()).some((row) => row.event_key === key("evt_swallows")),
      );
      await eventually("the consumer to have committed every message and retry", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));
      assert.deepEqual(await harness.effectRows(), [
        { event_key: key("evt_good_1"), attempt: 1 },
        { event_key: key("evt_good_2"), attempt: 1 },
        { event_key: key("evt_swallows"), attempt: 2 },
      ]);
      const marks = await harness.db("processed_events").where({ consumer: name }).orderBy("event_key").pluck("event_key");
      assert.deepEqual(marks, [key("evt_good_1"), key("evt_good_2"), key("evt_swallows")], "each event marked processed once");
      const metrics = await running.metrics.registry.metrics();
      assert.match(metrics, new RegExp(`hooklog_consumer_processed_total\\{consumer="${name}"\\} 3`));
      assert.match(metrics, new RegExp(`hooklog_consumer_retries_total\\{consumer="${name}"\\} 1`), "only the swallowing event was retried");
    });
  }
});

import { HooklogError } from "@hooklog/core";
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { consumerCaughtUp, eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { HEADERS, deadLetterTopic, defineConsumer, groupId, redrive, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("the consumer kit applies each event's effects exactly once", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;
  const failuresLeft = new Map<string, number>();
  let brokenKeys = new Set<string>();

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
    await harness?.close();
  });

  it("skips redelivered copies, retries a failing handler, dead-letters one that always fails, and redrive completes it once", async () => {
    const name = uniqueName("kit");
    const definition = defineConsumer({
      name,
      maxAttempts: 3,
      retryBaseDelayMs: 200,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              const left = failuresLeft.get(event.key) ?? 0;
              if (left > 0) {
                failuresLeft.set(event.key, left - 1);
                throw new Error(`planned failure of ${event.key}`);
              }
              if (brokenKeys.has(event.key)) throw new Error(`${event.key} is broken`);
              if (event.key.endsWith(":evt_invalid")) throw new HooklogError("INVALID_PAYLOAD", "the payload can never be handled", { retryable: false });
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
            },
          },
        },
      ],
    });
    const key = (id: string): string => `${harness.source}:${id}`;
    // Every message of the topic and of the retry topics handled and committed: nothing is still on its way.
    const caughtUp = (): Promise<boolean> => consumerCaughtUp(harness.brokers.join(","), groupId(name));
    failuresLeft.set(key("evt_flaky"), 2);
    brokenKeys = new Set([key("evt_broken")]);

    running = await startConsumer(definition, {
      kafkaBrokers: harness.brokers,
      schemaRegistryUrl: harness.registryUrl,
      db: harness.db,
      logger: harness.logger,
    });
    // Each id twice (a provider redelivery gets a new hub id), plus a flaky and a broken one.
    await harness.publish([
      { providerEventId: "evt_a" },
      { providerEventId: "evt_b" },
      { providerEventId: "evt_a" },
      { providerEventId: "evt_flaky" },
      { providerEventId: "evt_broken" },
      { providerEventId: "evt_b" },
      { providerEventId: "evt_c" },
      { providerEventId: "evt_invalid" },
    ]);

    await eventually("four effects", async () => (await harness.effectRows()).length >= 4);
    await eventually("the consumer to have committed every message and retry", caughtUp);
    const deadLetters = await readTopic(harness.brokers.join(","), deadLetterTopic(name), { toEnd: true });
    const rows = await harness.effectRows();
    assert.deepEqual(
      rows.map((row) => row.event_key),
      [key("evt_a"), key("evt_b"), key("evt_c"), key("evt_flaky")],
    );
    assert.equal(rows.find((row) => row.event_key === key("evt_flaky"))?.attempt, 3, "the flaky event succeeded on its third attempt");

    const invalid = deadLetters.find((message) => message.headers[HEADERS.eventKey]?.toString() === key("evt_invalid"));
    assert.equal(invalid?.headers[HEADERS.attempt]?.toString(), "1", "an error marked retryable: false is not retried");
    const dead = deadLetters.find((message) => message.headers[HEADERS.eventKey]?.toString() === key("evt_broken"));
    assert.equal(deadLetters.length, 2);
    assert.equal(dead?.headers[HEADERS.attempt]?.toString(), "3");
    assert.match(dead?.headers[HEADERS.error]?.toString() ?? "", /is broken/);
    assert.ok(!Number.isNaN(Date.parse(dead?.headers[HEADERS.firstFailureAt]?.toString() ?? "")), "first failure time recorded");
    const metrics = await running.metrics.registry.metrics();
    assert.match(metrics, new RegExp(`hooklog_consumer_duplicates_skipped_total\\{consumer="${name}"\\} 2`));
    assert.match(metrics, new RegExp(`hooklog_consumer_dead_letters_total\\{consumer="${name}",reason="attempts_exhausted"\\} 1`));
    assert.match(metrics, new RegExp(`hooklog_consumer_dead_letters_total\\{consumer="${name}",reason="not_retryable"\\} 1`));

    brokenKeys = new Set();
    const first = await redrive(name, { kafkaBrokers: harness.brokers, db: harness.db, eventKey: key("evt_broken") });
    assert.deepEqual(first, { inDeadLetters: 2, redriven: 1, alreadyProcessed: 0 });
    await eventually("the redriven effect", async () => (await harness.effectRows()).length === 5);
    const again = await redrive(name, { kafkaBrokers: harness.brokers, db: harness.db, eventKey: key("evt_broken") });
    assert.deepEqual(again, { inDeadLetters: 2, redriven: 0, alreadyProcessed: 1 });
    await eventually("the consumer to have committed the redriven retry", caughtUp);
    assert.equal((await harness.effectRows()).filter((row) => row.event_key === key("evt_broken")).length, 1);
  });
});

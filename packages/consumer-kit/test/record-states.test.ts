// A projection of a flood (the catalog of every delivery) need not keep a state row and an attempt row
// per event nobody reads: with recordStates "failures" only what went wrong, and what became of it, is kept.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, eventStates, startConsumer, type ConsumerDefinition, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("which events a consumer records states for", () => {
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

  /** A consumer whose handler fails the first attempt of evt_flaky only. */
  const start = async (name: string, recordStates: ConsumerDefinition["recordStates"]) => {
    let failed = false;
    running = await startConsumer(
      defineConsumer({
        name,
        retryBaseDelayMs: 50,
        ...(recordStates === undefined ? {} : { recordStates }),
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                if (event.event.providerEventId === "evt_flaky" && !failed) {
                  failed = true;
                  throw new Error("planned failure");
                }
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
  };

  for (const [mode, recordsProcessed] of [
    [undefined, true],
    ["all", true],
    ["failures", false],
  ] as const) {
    it(`with recordStates ${mode ?? "left out"}: ${recordsProcessed ? "every event" : "a failed event, not one processed at once"} has a state`, async () => {
      const name = uniqueName("kit-record-states");
      await start(name, mode);
      const [smooth, flaky] = [randomUUID(), randomUUID()];
      await harness.publish([
        { id: smooth, providerEventId: "evt_smooth" },
        { id: flaky, providerEventId: "evt_flaky" },
      ]);

      await eventually("both events applied", async () => (await harness.effectRows()).length === 2);
      await eventually("the failed event recorded processed", async () => (await eventStates(harness.db, flaky))[0]?.state === "processed");
      const [retried] = await eventStates(harness.db, flaky);
      assert.deepEqual(
        retried?.attempts.map((attempt) => [attempt.attempt, attempt.outcome]),
        [
          [1, "failed"],
          [2, "processed"],
        ],
      );
      const states = await eventStates(harness.db, smooth);
      assert.equal(states.length, recordsProcessed ? 1 : 0);
      const attempts = await harness.db("consumer_event_attempts").where({ consumer: name, event_id: smooth });
      assert.equal(attempts.length, recordsProcessed ? 1 : 0);
      assert.ok(await harness.db("processed_events").where({ consumer: name, event_id: smooth }).first(), "the processed mark is written whatever the mode");
    });
  }
});

describe("the states of a batch larger than one statement takes", () => {
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

  it("records every event of a backlog read in one batch, past Postgres's 65 535 bind parameters a statement", async () => {
    const name = uniqueName("kit-states-backlog");
    // One key: one partition, read in one fetch once the consumer starts. An attempt row takes ten
    // parameters, a state row twelve: 7 000 of them in one statement would take 70 000 or more.
    const events = Array.from({ length: 7000 }, (_, index) => ({ providerEventId: `evt_backlog_${index}` }));
    for (let start = 0; start < events.length; start += 1000) await harness.publish(events.slice(start, start + 1000), { key: "entity-backlog" });
    running = await startConsumer(
      defineConsumer({
        name,
        subscriptions: [{ topic: harness.topic, on: { "invoice.paid": async () => undefined } }],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    const count = async (table: string): Promise<number> =>
      Number(((await harness.db(table).where({ consumer: name }).count("* as count")) as Array<{ count: string }>)[0]?.count);
    await eventually("every event's state recorded", async () => (await count("consumer_event_states")) === events.length, { timeoutMs: 60_000 });
    assert.equal(await count("consumer_event_attempts"), events.length);
    assert.equal(await count("processed_events"), events.length);
  });
});

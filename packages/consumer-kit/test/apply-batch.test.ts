// A projection applies a batch in one call (applyBatch), and still each event exactly once: a
// redelivered event is not passed again, and a batch the call fails on is applied event by event,
// so a poison event is retried and dead-lettered alone while the others commit.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { HEADERS, deadLetterTopic, defineConsumer, eventStates, startConsumer, type InboundEvent, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("a consumer that applies its batches in one call", () => {
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

  const keyOf = (providerEventId: string) => `${harness.source}:${providerEventId}`;
  const poisonous = (inbound: InboundEvent) => inbound.kind === "webhook" && inbound.event.providerEventId === "evt_poison";

  /** Every event's effect is an effects row; applyBatch writes all of a call's rows in one statement, the poison event's with a null attempt. */
  const start = async (name: string) => {
    const batches: string[][] = [];
    const oneByOne: string[] = [];
    running = await startConsumer(
      defineConsumer({
        name,
        ordering: "none",
        maxAttempts: 2,
        retryBaseDelayMs: 50,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                oneByOne.push(event.key);
                if (poisonous(event)) throw new Error("the poison event cannot be applied");
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
        applyBatch: async (events, context) => {
          batches.push(events.map((event) => event.key));
          // A real failure of the statement (a null in a not-null column): the transaction is aborted until the kit rolls back.
          await context.trx(harness.effects).insert(events.map((event) => ({ event_key: event.key, attempt: poisonous(event) ? null : 1 })));
        },
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    return { batches, oneByOne };
  };

  it("passes a batch's events to applyBatch in one call, each with its processed mark, and a redelivered one never again", async () => {
    const name = uniqueName("kit-apply-batch");
    const { batches, oneByOne } = await start(name);
    const first = Array.from({ length: 20 }, (_, index) => `evt_${index}`);
    // One key: one partition, one batch.
    await harness.publish(
      first.map((providerEventId) => ({ providerEventId })),
      { key: "one-key" },
    );
    await eventually("the batch applied", async () => (await harness.effectRows()).length === 20);
    assert.deepEqual(batches, [first.map(keyOf)], "one call with every event, in log order");
    const marks = await harness.db("processed_events").where({ consumer: name }).select("event_key");
    assert.deepEqual(marks.map((mark) => mark.event_key).sort(), first.map(keyOf).sort());

    // Two redelivered copies (same source and provider id: the same event key) and a new event.
    await harness.publish([{ providerEventId: "evt_3" }, { providerEventId: "evt_new" }, { providerEventId: "evt_7" }], { key: "one-key" });
    await eventually("the new event applied", async () => (await harness.effectRows()).length === 21);
    assert.deepEqual(batches.slice(1), [[keyOf("evt_new")]], "only the fresh event is passed");
    assert.deepEqual(oneByOne, [], "no event went through its handler alone");
    const rows = await harness.effectRows();
    assert.equal(new Set(rows.map((row) => row.event_key)).size, 21, "each event's effect once");
  });

  it("applies a batch that applyBatch fails on event by event: the others commit once, the poison event is retried and dead-lettered", async () => {
    const name = uniqueName("kit-apply-batch-poison");
    const { batches, oneByOne } = await start(name);
    const providerIds = ["evt_a", "evt_b", "evt_poison", "evt_c", "evt_d"];
    const poisonId = randomUUID();
    await harness.publish(
      providerIds.map((providerEventId) => ({ providerEventId, ...(providerEventId === "evt_poison" ? { id: poisonId } : {}) })),
      { key: "one-key" },
    );

    await eventually("the poison event dead-lettered", async () => (await eventStates(harness.db, poisonId))[0]?.state === "dead_lettered");
    const [poisonState] = await eventStates(harness.db, poisonId);
    assert.deepEqual(
      poisonState?.attempts.map((attempt) => [attempt.attempt, attempt.outcome]),
      [
        [1, "failed"],
        [2, "failed"],
      ],
      "its attempts recorded as event by event",
    );
    const rows = await harness.effectRows();
    assert.deepEqual(
      rows.map((row) => [row.event_key, row.attempt]),
      ["evt_a", "evt_b", "evt_c", "evt_d"].map((id) => [keyOf(id), 1]),
      "the others applied once each, none of the failed call's rows kept",
    );
    assert.deepEqual(batches[0], providerIds.map(keyOf), "the batch was first offered whole");
    assert.deepEqual(
      oneByOne.filter((key) => key === keyOf("evt_poison")),
      [keyOf("evt_poison"), keyOf("evt_poison")],
      "the poison event tried alone on each of its two attempts",
    );
    const marks = await harness.db("processed_events").where({ consumer: name }).select("event_key");
    assert.deepEqual(marks.map((mark) => mark.event_key).sort(), ["evt_a", "evt_b", "evt_c", "evt_d"].map(keyOf).sort(), "no mark for the poison event");

    const deadLetters = await readTopic(harness.brokers.join(","), deadLetterTopic(name), { toEnd: true });
    assert.deepEqual(
      deadLetters.map((message) => [message.headers[HEADERS.eventKey]?.toString(), message.headers[HEADERS.attempt]?.toString()]),
      [[keyOf("evt_poison"), "2"]],
    );
  });
});

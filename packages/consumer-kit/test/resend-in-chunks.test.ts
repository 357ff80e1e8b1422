// A resend reads and sends its events a chunk at a time: a replay of ten thousand events never holds
// ten thousand messages at once, and each chunk is resent before the next is read.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, eventStates, resendEvents, startConsumer, type ResendEvent, type ResendProgress, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("resending many events", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
    await harness?.close();
  });

  it("reads and resends them a chunk at a time, each chunk resent before the next is read, its progress counted across chunks", async () => {
    const name = uniqueName("kit-resend-chunks");
    running = await startConsumer(
      defineConsumer({
        name,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await harness.publish(ids.map((id, index) => ({ id, providerEventId: `evt_chunk_${index}` })));
    await eventually("the five events processed", async () => (await harness.effectRows()).length === 5);
    const events: ResendEvent[] = [];
    for (const id of ids) {
      const [state] = await eventStates(harness.db, id);
      assert.ok(state);
      events.push({ eventKey: state.eventKey, position: state.position });
    }

    const progress: ResendProgress[] = [];
    let resentBeforeThirdRead: Promise<number> | undefined;
    const result = await resendEvents(
      name,
      events,
      { kafkaBrokers: harness.brokers, db: harness.db, clearEffects: false, actor: "erin", chunkSize: 2 },
      (each) => {
        progress.push(each);
        // Attempt rows are only ever added: what the first chunk's commit wrote, whatever the consumer did since.
        if (each.read === 3)
          resentBeforeThirdRead = harness
            .db("consumer_event_attempts")
            .where({ consumer: name, outcome: "replayed" })
            .count({ count: "*" })
            .then(([row]) => Number(row?.count));
      },
    );

    assert.deepEqual(result, { resent: 5 });
    assert.deepEqual(
      progress.map((each) => [each.read, each.total]),
      [1, 2, 3, 4, 5].map((read) => [read, 5]),
    );
    assert.equal(await resentBeforeThirdRead, 2, "the first chunk was resent before the second was read");
    await eventually("the five events handled again", async () => (await harness.effectRows()).length === 10);
  });
});

// A consumer reads every event of its topics, and takes a few types of them: the others it skips by
// the type in the message's header, without decoding their value.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { EVENT_HEADERS, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import { consumerCaughtUp, eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { deadLetterTopic, defineConsumer, groupId, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("event types a consumer takes no handler for", () => {
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

  /** Bytes that are no schema's Avro, under the type header `type` (none for undefined). */
  async function publishUndecodable(key: string, type: string | undefined): Promise<void> {
    const producer = createIdempotentProducer(createKafka({ clientId: "kit-test-skip", brokers: harness.brokers }));
    await producer.connect();
    try {
      await producer.send({
        topic: harness.topic,
        acks: -1,
        messages: [{ key, value: Buffer.from(`not avro: ${key}`), headers: type === undefined ? {} : { [EVENT_HEADERS.eventType]: type } }],
      });
    } finally {
      await producer.disconnect();
    }
  }

  it("skips them unread by the type header, and still dead-letters an undecodable event of a type it takes", async () => {
    const name = uniqueName("kit-skip-types");
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

    // Decoded, these would be dead letters: their bytes are no Avro at all.
    await publishUndecodable("skipped", "customer.created");
    await publishUndecodable("taken", "invoice.paid");
    await harness.publish([{ providerEventId: "evt_paid" }]);

    await eventually("the consumer to have committed every message", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));
    await eventually("the invoice.paid applied", async () => (await harness.effectRows()).length === 1);
    const dead = await readTopic(harness.brokers.join(","), deadLetterTopic(name), { toEnd: true });
    assert.deepEqual(
      dead.map((message) => message.key?.toString()),
      ["taken"],
      "only the undecodable event of a type it takes is a dead letter",
    );
    assert.deepEqual(
      (await harness.effectRows()).map((row) => row.event_key),
      [`${harness.source}:evt_paid`],
    );
  });
});

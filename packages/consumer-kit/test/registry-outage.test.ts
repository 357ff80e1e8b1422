// The registry the consumer decodes with is down as it starts (so its schema cache is empty): it is
// reached through a relay that the test switches from refusing, to answering 503, to forwarding.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import { consumerCaughtUp, eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { HEADERS, deadLetterTopic, defineConsumer, groupId, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";
import { recordedLogs } from "./recorded-logs.ts";
import { RegistryRelay } from "./registry-relay.ts";

async function messagesIn(brokers: readonly string[], topic: string): Promise<number> {
  const admin = createKafka({ clientId: "kit-test-offsets", brokers }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
  } finally {
    await admin.disconnect();
  }
}

// Each test has its own topic and effects table: what one test publishes is no other test's input.
describe("decoding while the schema registry is unavailable", () => {
  let harness: KitHarness;
  let relay: RegistryRelay;
  const running: RunningConsumer[] = [];

  beforeEach(async () => {
    harness = await kitHarness();
    relay = await RegistryRelay.start(harness.registryUrl);
  });

  afterEach(async () => {
    for (const consumer of running.splice(0)) await consumer.stop();
    await relay?.close();
    await harness?.close();
  });

  it("waits out a registry that refuses connections and then answers 503, dead-letters nothing, and applies the event once when it is back", async () => {
    const name = uniqueName("kit-outage");
    const { logger, lines } = recordedLogs();
    const definition = defineConsumer({
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
    });
    const consumer = await startConsumer(definition, { kafkaBrokers: harness.brokers, schemaRegistryUrl: relay.url, db: harness.db, logger });
    running.push(consumer);
    await consumer.joined;
    await harness.publish([{ providerEventId: "evt_outage" }]);

    // The consumer has read the event and, its lookup refused, chosen to wait (it warns as the outage begins).
    await eventually("the consumer to meet the refusing registry", () => lines.some((line) => line.msg.startsWith("schema registry unavailable")));
    assert.equal(await messagesIn(harness.brokers, deadLetterTopic(name)), 0, "refused connections dead-letter nothing");
    assert.deepEqual(await harness.effectRows(), [], "nothing applied while the registry refuses");

    await relay.answer503();
    // The client tries each request 4 times (SchemaRegistryClient's 3 retries): a fifth 503 means the
    // consumer came back for the event after a lookup answered 503, instead of dead-lettering it.
    await eventually("a second lookup answered 503", () => relay.answered503 > 4, { timeoutMs: 60_000 });
    assert.equal(await messagesIn(harness.brokers, deadLetterTopic(name)), 0, "503 answers dead-letter nothing");
    assert.deepEqual(await harness.effectRows(), [], "nothing applied while the registry answers 503");

    await relay.forward();
    await eventually("the event applied once the registry is back", async () => (await harness.effectRows()).length > 0, { timeoutMs: 30_000 });
    await eventually("the consumer to have committed every message", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));
    assert.deepEqual(await harness.effectRows(), [{ event_key: `${harness.source}:evt_outage`, attempt: 1 }], "applied exactly once, as its first attempt");
    assert.equal(await messagesIn(harness.brokers, deadLetterTopic(name)), 0, "still nothing dead-lettered");
    const warnings = lines.filter((line) => line.msg.startsWith("schema registry unavailable"));
    assert.equal(warnings.length, 1, "one warning for the whole outage, not one per attempt");
    assert.equal(lines.filter((line) => line.msg.startsWith("schema registry reachable again")).length, 1);
  });

  it("dead-letters at once a bad magic byte, a schema id the registry does not know, and bytes that are not the schema's Avro", async () => {
    const name = uniqueName("kit-undecodable");
    const definition = defineConsumer({
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
    });
    const { schemaId } = await webhookEventCodec(new SchemaRegistryClient(harness.registryUrl), harness.topic);
    const wire = (id: number, body: Buffer): Buffer => {
      const header = Buffer.alloc(5); // Confluent's wire format: magic byte 0, then the schema id, big-endian
      header.writeInt32BE(id, 1);
      return Buffer.concat([header, body]);
    };
    const garbage = {
      "bad-magic": Buffer.from("not avro at all"),
      "unknown-schema": wire(2_000_000_000, Buffer.from("whatever")),
      "bad-avro": wire(schemaId, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
    };
    const consumer = await startConsumer(definition, {
      kafkaBrokers: harness.brokers,
      schemaRegistryUrl: harness.registryUrl,
      db: harness.db,
      logger: harness.logger,
    });
    running.push(consumer);
    const producer = createIdempotentProducer(createKafka({ clientId: "kit-test-garbage", brokers: harness.brokers }));
    await producer.connect();
    await producer.send({ topic: harness.topic, acks: -1, messages: Object.entries(garbage).map(([key, value]) => ({ key, value })) });
    await producer.disconnect();

    await eventually("the consumer to have committed every message", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));
    const dead = await readTopic(harness.brokers.join(","), deadLetterTopic(name), { toEnd: true });
    assert.deepEqual(dead.map((message) => message.key?.toString()).sort(), Object.keys(garbage).sort());
    for (const message of dead) {
      assert.deepEqual(message.value, garbage[message.key?.toString() as keyof typeof garbage], "dead-lettered byte for byte");
      assert.equal(message.headers[HEADERS.attempt]?.toString(), "1", `${message.key?.toString()} is not retried`);
    }
    assert.equal(await messagesIn(harness.brokers, deadLetterTopic(name)), 3);
  });
});

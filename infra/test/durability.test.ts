import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics, wireSchemaId } from "@hooklog/kafka";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { kafkaPid } from "../src/kafka.ts";
import { registryPid } from "../src/registry.ts";
import { startKafka, startPostgres, startRegistry, stopKafka, stopRegistry } from "../src/index.ts";

const managed = kafkaPid() !== undefined && registryPid() !== undefined;

describe("the stack keeps what it acknowledged", { skip: managed ? false : "Kafka or the registry is not run by infra here" }, () => {
  it("reads back an Avro WebhookEvent byte-exact, and again after Kafka and the registry restart, with the same schema id", async () => {
    const { kafkaBrokers, schemaRegistryUrl } = await testStack();
    const topic = uniqueName("webhooks.durability");
    const kafka = createKafka({ clientId: "durability-test", brokers: kafkaBrokers.split(",") });
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);

    const payload = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0xff, 0x0a]); // JSON-ish with odd bytes
    const event: WebhookEvent = {
      id: uniqueName("evt"),
      source: "stripe",
      provider: "stripe",
      providerEventId: uniqueName("evt_provider"),
      type: "invoice.paid",
      providerTimestamp: Date.now() - 1000,
      receivedAt: Date.now(),
      origin: "webhook",
      verification: { scheme: "stripe-v1", secretIndex: 0 },
      contentType: "application/json",
      headers: { "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
      payload,
    };
    const codec = await webhookEventCodec(new SchemaRegistryClient(schemaRegistryUrl), topic);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: event.providerEventId, value: await codec.encode(event) }] });
    await producer.disconnect();

    const [before] = await readTopic(kafkaBrokers, topic, { count: 1 });
    assert.ok(before?.value);
    const decodedBefore = await codec.decode(before.value);
    assert.ok(decodedBefore.payload.equals(payload), "payload byte for byte");
    assert.equal(decodedBefore.providerEventId, event.providerEventId);
    assert.equal(wireSchemaId(before.value), codec.schemaId);

    await Promise.all([stopKafka(), stopRegistry()]);
    const { endpoint } = await startPostgres();
    await Promise.all([startKafka(), startRegistry(endpoint)]);

    const [after] = await readTopic(kafkaBrokers, topic, { count: 1, timeoutMs: 60_000 });
    assert.ok(after?.value);
    assert.ok(after.value.equals(before.value), "the stored message is unchanged");
    assert.equal(wireSchemaId(after.value), codec.schemaId, "same schema id");
    const freshRegistry = new SchemaRegistryClient(schemaRegistryUrl);
    const decodedAfter = (await freshRegistry.decode(after.value)) as WebhookEvent;
    assert.ok(decodedAfter.payload.equals(payload), "decodes through a registry that restarted, with no cache");
    assert.equal(decodedAfter.id, event.id);
  });
});

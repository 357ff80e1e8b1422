import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { createIdempotentProducer, createKafka, ensureTopics, type Kafka } from "../src/index.ts";

// kafkajs 2.2.4 lowers every partition's sequence number again when a produce request throws, also
// for partitions the broker appended; the next send reuses those numbers and the broker takes it for
// a duplicate. These tests make a request fail for real and check nothing sent after it is lost.
describe("the idempotent producer after a failed send", () => {
  let kafka: Kafka;
  let brokers: string;

  before(async () => {
    brokers = (await testStack()).kafkaBrokers;
    kafka = createKafka({ clientId: "sequence-test", brokers: brokers.split(",") });
  });

  it("appends every later send to a partition that shared a refused request", async () => {
    const healthy = uniqueName("sequence-healthy");
    const strict = uniqueName("sequence-strict");
    // An operator lowered one topic's limit: a request carrying an event for each topic is refused
    // for the strict topic's partition and appended for the healthy one.
    await ensureTopics(kafka, [
      { name: healthy, partitions: 1 },
      { name: strict, partitions: 1, configs: { "max.message.bytes": "2048" } },
    ]);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    try {
      await assert.rejects(
        producer.sendBatch({
          acks: -1,
          topicMessages: [
            { topic: healthy, messages: [{ key: "a", value: "first" }] },
            { topic: strict, messages: [{ key: "b", value: Buffer.alloc(8192, 1) }] },
          ],
        }),
        (error: { type?: string; cause?: { type?: string } }) => (error.type ?? error.cause?.type) === "MESSAGE_TOO_LARGE",
      );
      // Same partition, same message count as the refused request's share of it.
      await producer.send({ topic: healthy, acks: -1, messages: [{ key: "a", value: "second" }] });
      await producer.send({
        topic: healthy,
        acks: -1,
        messages: [
          { key: "a", value: "third" },
          { key: "a", value: "fourth" },
        ],
      });
      await producer.send({ topic: strict, acks: -1, messages: [{ key: "b", value: "small" }] });
    } finally {
      await producer.disconnect();
    }

    const onHealthy = await readTopic(brokers, healthy, { toEnd: true });
    assert.deepEqual(
      onHealthy.map((message) => message.value?.toString()),
      ["first", "second", "third", "fourth"],
    );
    const onStrict = await readTopic(brokers, strict, { toEnd: true });
    assert.deepEqual(
      onStrict.map((message) => message.value?.toString()),
      ["small"],
    );
  });
});

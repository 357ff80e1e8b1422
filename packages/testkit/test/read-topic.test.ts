import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { readTopic, testStack, uniqueName } from "../src/index.ts";

const values = (messages: Array<{ value: Buffer | null }>): string[] => messages.map((message) => message.value?.toString() ?? "").sort();

describe("readTopic toEnd", () => {
  let brokers: string;
  let kafka: Kafka;

  const createTopic = async (partitions: number): Promise<string> => {
    const topic = uniqueName("read-topic");
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    return topic;
  };

  before(async () => {
    brokers = (await testStack()).kafkaBrokers;
    kafka = new Kafka({ clientId: "read-topic-test", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  });

  after(() => undefined);

  it("returns every message a plain topic held, from each partition", async () => {
    const topic = await createTopic(2);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 0, value: "first" },
        { partition: 1, value: "second" },
        { partition: 1, value: "third" },
      ],
    });
    await producer.disconnect();

    const messages = await readTopic(brokers, topic, { toEnd: true, timeoutMs: 20_000 });

    assert.deepEqual(values(messages), ["first", "second", "third"]);
  });

  it("ends at once on an empty topic", async () => {
    const topic = await createTopic(2);

    assert.deepEqual(await readTopic(brokers, topic, { toEnd: true, timeoutMs: 20_000 }), []);
  });

  // A transaction's last offset on each partition is its commit or abort marker, which no reader receives.
  it("returns exactly the committed messages of a transactional topic and ends, its partitions ending in a commit and an abort marker", async () => {
    const topic = await createTopic(2);
    const producer: Producer = kafka.producer({ transactionalId: uniqueName("read-topic-tx"), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const first = await producer.transaction();
      await first.send({ topic, acks: -1, messages: [{ partition: 0, value: "aborted-first" }] });
      await first.abort();
      const committed = await producer.transaction();
      await committed.send({
        topic,
        acks: -1,
        messages: [
          { partition: 0, value: "committed-0" },
          { partition: 1, value: "committed-1" },
        ],
      });
      await committed.commit();
      const last = await producer.transaction();
      await last.send({ topic, acks: -1, messages: [{ partition: 1, value: "aborted-last" }] });
      await last.abort();
    } finally {
      await producer.disconnect();
    }

    const messages = await readTopic(brokers, topic, { toEnd: true, timeoutMs: 20_000 });

    assert.deepEqual(values(messages), ["committed-0", "committed-1"]);
  });
});

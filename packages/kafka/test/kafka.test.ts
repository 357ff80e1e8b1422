import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { readTopic, testStack, uniqueName } from "@hooklog/testkit";
import {
  ENVELOPE_ALLOWANCE_BYTES,
  MAX_SOURCE_BODY_BYTES,
  createIdempotentProducer,
  createKafka,
  createTransactionalProducer,
  ensureTopics,
  replicationFor,
  webhookTopicSpec,
  type Kafka,
} from "../src/index.ts";

describe("kafkajs against the real broker", () => {
  let kafka: Kafka;
  let brokers: string;

  before(async () => {
    brokers = (await testStack()).kafkaBrokers;
    kafka = createKafka({ clientId: "kafka-test", brokers: brokers.split(",") });
  });

  it("creates declared topics once and leaves existing ones alone", async () => {
    const name = uniqueName("topics");
    const first = await ensureTopics(kafka, [{ name, partitions: 3, configs: { "retention.ms": "-1" } }]);
    const second = await ensureTopics(kafka, [{ name, partitions: 3 }]);
    assert.deepEqual(first.created, [name]);
    assert.deepEqual(second.created, []);
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name, configNames: ["retention.ms"] }] });
    await admin.disconnect();
    assert.equal(metadata.topics[0]?.partitions.length, 3);
    assert.equal(configs.resources[0]?.configEntries[0]?.configValue, "-1");
  });

  it("declares a source's topic sized for its largest body, kept forever, with min.insync.replicas from the cluster's size", async () => {
    const name = uniqueName("source-topic");
    await ensureTopics(kafka, [webhookTopicSpec({ topic: name, partitions: 2, maxBodyBytes: MAX_SOURCE_BODY_BYTES })]);
    const admin = kafka.admin();
    await admin.connect();
    const brokerCount = (await admin.describeCluster()).brokers.length;
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name, configNames: ["max.message.bytes", "min.insync.replicas", "retention.ms"] }],
    });
    await admin.disconnect();
    const value = (config: string) => configs.resources[0]?.configEntries.find((entry) => entry.configName === config)?.configValue;
    const expected = replicationFor({}, brokerCount);
    assert.equal(value("max.message.bytes"), String(MAX_SOURCE_BODY_BYTES + ENVELOPE_ALLOWANCE_BYTES));
    assert.equal(value("retention.ms"), "-1");
    assert.equal(value("min.insync.replicas"), String(expected.minInSyncReplicas));
    assert.equal(metadata.topics[0]?.partitions[0]?.replicas.length, expected.replicationFactor);
  });

  it("replicates three copies with two in sync on three brokers, one on one, and refuses more copies than brokers", () => {
    assert.deepEqual(replicationFor({}, 1), { replicationFactor: 1, minInSyncReplicas: 1 });
    assert.deepEqual(replicationFor({}, 3), { replicationFactor: 3, minInSyncReplicas: 2 });
    assert.deepEqual(replicationFor({}, 5), { replicationFactor: 3, minInSyncReplicas: 2 });
    assert.deepEqual(replicationFor({ minInSyncReplicas: 3 }, 3), { replicationFactor: 3, minInSyncReplicas: 3 });
    assert.throws(() => replicationFor({ replicationFactor: 3 }, 1), /needs at least 3 brokers/);
    assert.throws(() => replicationFor({ replicationFactor: 2, minInSyncReplicas: 3 }, 3), /between 1 and the replication factor/);
  });

  it("refuses a declared topic with more partitions than the existing one", async () => {
    const name = uniqueName("topics");
    await ensureTopics(kafka, [{ name, partitions: 1 }]);
    await assert.rejects(ensureTopics(kafka, [{ name, partitions: 4 }]), /has 1 partitions but 4 are declared/);
  });

  it("produces with the idempotent producer and reads back through a consumer group, keys keeping their partition", async () => {
    const topic = uniqueName("idempotent");
    await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, index) => ({ key: `entity-${index % 5}`, value: `event-${index}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const received = await readTopic(brokers, topic, { toEnd: true });
    assert.deepEqual(received.map((message) => message.value?.toString()).sort(), sent.map((message) => message.value).sort());
    const partitionOfKey = new Map<string, Set<number>>();
    for (const message of received) {
      const key = message.key?.toString() ?? "";
      partitionOfKey.set(key, (partitionOfKey.get(key) ?? new Set()).add(message.partition));
    }
    for (const partitions of partitionOfKey.values()) assert.equal(partitions.size, 1);
  });

  it("commits transactions visibly and hides aborted ones from read_committed consumers", async () => {
    const topic = uniqueName("transactions");
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    const producer = createTransactionalProducer(kafka, uniqueName("tx"));
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: "aborted" }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: "committed" }] });
    await committed.commit();
    await producer.disconnect();

    // The topic ends in the commit marker: a read to the end must get past it, not wait for it.
    const received = await readTopic(brokers, topic, { toEnd: true });
    assert.deepEqual(
      received.map((message) => message.value?.toString()),
      ["committed"],
    );
  });

  after(() => undefined);
});

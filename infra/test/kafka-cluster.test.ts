// The three-broker cluster (HOOKLOG_KAFKA_BROKERS=3), started by this file in a state directory and
// on ports of its own: what an acknowledgement means with three copies and two in sync.
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createIdempotentProducer, createKafka, ensureTopics, type Kafka } from "@hooklog/kafka";
import { readTopic, uniqueName } from "@hooklog/testkit";
import { portInUse } from "../src/daemon.ts";
import { kafkaNodes, kafkaPids, kafkaSettings, startKafka, stopKafka, type KafkaSettings } from "../src/kafka.ts";

// infra keeps its pid files and data under HOOKLOG_STATE_DIR: this process's own, never the shared stack's.
const stateDir = mkdtempSync(join(tmpdir(), "hooklog-kafka-cluster-"));
process.env.HOOKLOG_STATE_DIR = stateDir;

async function sixFreePorts(): Promise<number> {
  for (let base = 29_192; base < 40_000; base += 100) {
    const taken = await Promise.all(Array.from({ length: 6 }, (_, offset) => portInUse(base + offset)));
    if (!taken.includes(true)) return base;
  }
  throw new Error("no six adjacent free ports between 29192 and 40000");
}

describe("a three-broker cluster", () => {
  let settings: KafkaSettings;
  let brokers: string;
  let kafka: Kafka;

  before(async () => {
    settings = kafkaSettings({ HOOKLOG_KAFKA_BROKERS: "3", HOOKLOG_KAFKA_PORT: String(await sixFreePorts()), HOOKLOG_KAFKA_HEAP: "256m" });
    ({ brokers } = await startKafka(settings));
    kafka = createKafka({ clientId: "cluster-test", brokers: brokers.split(","), requestTimeoutMs: 5000, retries: 2 });
  });

  after(async () => {
    if (settings) await stopKafka(settings);
    rmSync(stateDir, { recursive: true, force: true });
  });

  // Its own bound, above the sum of its waits (two minutes a phase, a restart, a read of 90 s), so a
  // slow machine fails with the timeline below rather than the runner's 180 s default.
  it("acknowledges with one broker down, never with two, and keeps every acknowledged record", { timeout: 600_000 }, async () => {
    const topic = uniqueName("cluster-durability");
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    const admin = kafka.admin();
    await admin.connect();
    const [partition] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
    await admin.disconnect();
    assert.equal(partition?.replicas.length, 3, "three copies by default on three brokers");

    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const acknowledged: string[] = [];
    // Every attempt, with its outcome and time, goes into the failure messages: on a loaded machine
    // the phase that went wrong is the first thing to know.
    const started = Date.now();
    const timeline: string[] = [];
    const note = (line: string): void => void timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);
    const told = (): string => `\n${timeline.join("\n")}`;
    const send = async (label: string, count: number): Promise<"acknowledged" | "refused"> => {
      const values = Array.from({ length: count }, (_, index) => `${label}-${index}`);
      try {
        await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: "entity", value })) });
        acknowledged.push(...values);
        note(`${label}: acknowledged`);
        return "acknowledged";
      } catch (error) {
        note(`${label}: refused (${error instanceof Error ? error.message : String(error)})`);
        return "refused";
      }
    };
    // Retried as a provider would, for up to two minutes (a loaded CI machine restarts brokers slowly).
    const sendUntilAcknowledged = async (label: string): Promise<"acknowledged" | "refused"> => {
      const deadline = Date.now() + 120_000;
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        if ((await send(`${label}-${attempt}`, 50)) === "acknowledged") return "acknowledged";
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      return "refused";
    };
    const nodes = kafkaNodes(settings);
    const kill = (nodeId: number): void => {
      const pid = kafkaPids(settings)[nodeId - 1];
      assert.ok(pid, `node ${nodeId} runs${told()}`);
      process.kill(pid, "SIGKILL");
      note(`killed node ${nodeId}`);
    };

    try {
      // A new topic's leader may not be known to every broker yet: retried like the rest.
      assert.equal(await sendUntilAcknowledged("all-up"), "acknowledged", `writes are acknowledged with every broker up${told()}`);
      // The partition's leader dies: once the controller fences it (broker.session.timeout.ms, 9 s)
      // another in-sync replica leads, and writes go on.
      kill(partition?.leader as number);
      assert.equal(await sendUntilAcknowledged("one-down"), "acknowledged", `writes go on with one broker down${told()}`);

      // A second broker dies: one copy left, fewer than min.insync.replicas = 2. Nothing is acknowledged.
      const survivors = nodes.filter((node) => node.id !== partition?.leader);
      kill((survivors[0] as { id: number }).id);
      const outcomes = [];
      for (let attempt = 0; attempt < 3; attempt++) outcomes.push(await send(`two-down-${attempt}`, 10));
      assert.deepEqual(outcomes, ["refused", "refused", "refused"], `nothing is acknowledged with two brokers down${told()}`);

      await startKafka(settings);
      note("brokers restarted");
      assert.equal(await sendUntilAcknowledged("back"), "acknowledged", `writes go on once the brokers are back${told()}`);
    } finally {
      await producer.disconnect();
    }

    const read = await readTopic(brokers, topic, { toEnd: true, timeoutMs: 90_000 }).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}${told()}`);
    });
    const stored = new Set(read.map((message) => message.value?.toString()));
    const lost = acknowledged.filter((value) => !stored.has(value));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged records are missing${told()}`);
  });
});

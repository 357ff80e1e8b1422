// Side records sent alone (no event to ride with) never hold up an event: they go through a producer
// of their own, so a lone send that hangs or fails neither queues an event behind it nor makes the
// events' producer start over.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { createIdempotentProducer, type Kafka, type LogProducer } from "@hooklog/kafka";
import { eventually, uniqueName } from "@hooklog/testkit";
import { createSideRecordProducer, type SideRecord, type SideRecordOptions } from "../src/index.ts";
import { logEntry, openWriterStack, received, sent, type WriterStack } from "./writer-fixture.ts";

interface Settled {
  records: readonly SideRecord[];
  error: unknown;
}

const sideRecord = (topic: string, key: string): SideRecord => ({ topic, key, value: Buffer.from(`side ${key}`) });

/**
 * A side-record producer whose sends the test holds: Kafka is never asked, so a send stays pending
 * until `release` (the way a send to a partition without a leader waits).
 */
function heldProducer() {
  const sends: Array<(error: Error) => void> = [];
  const producer: LogProducer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: () => new Promise((_, reject) => sends.push(reject)),
    sendBatch: () => new Promise((_, reject) => sends.push(reject)),
  };
  const release = (error: Error) => {
    for (const reject of sends.splice(0)) reject(error);
  };
  return { producer, sends, release };
}

/** `kafka`, counting the idempotent producers made from it: the events' producer starting over is one more. */
function countingIdempotentProducers(kafka: Kafka): { kafka: Kafka; made: () => number } {
  let made = 0;
  const counted = new Proxy(kafka, {
    get(target, property, receiver) {
      if (property !== "producer") return Reflect.get(target, property, receiver);
      return (options?: Parameters<Kafka["producer"]>[0]) => {
        if (options?.idempotent) made += 1;
        return target.producer(options);
      };
    },
  });
  return { kafka: counted, made: () => made };
}

describe("EventLogWriter lone side records", () => {
  let stack: WriterStack;

  before(async () => {
    stack = await openWriterStack();
  });

  after(async () => {
    await stack?.close();
  });

  function sideOptions(producer: LogProducer, options: Partial<SideRecordOptions> = {}) {
    const settled: Settled[] = [];
    const sideRecords: SideRecordOptions = {
      producer,
      maxQueued: 10,
      lingerMs: 20,
      onSettled: (records, error) => settled.push({ records, error }),
      ...options,
    };
    return { sideRecords, settled };
  }

  it("writes an event while a lone side-record send is still pending", async () => {
    const held = heldProducer();
    const { sideRecords, settled } = sideOptions(held.producer);
    const { writer } = stack.newWriter(undefined, undefined, { sideRecords });
    const [topic, sideTopic] = await Promise.all([stack.newTopic(), stack.newTopic()]);
    const side = sideRecord(sideTopic, "alone");
    const event = logEntry(uniqueName("source"), topic, "evt_1");

    writer.addSideRecord(side);
    await eventually("the lone side-record send under way", () => held.sends.length === 1);
    assert.equal(await writer.write(event), "written");

    assert.equal(settled.length, 0, "the side record's send is still pending");
    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(event)]);
    held.release(new Error("the partition has no leader"));
    await eventually("the side record settled", () => settled.length === 1);
    assert.deepEqual(settled[0]?.records, [side]);
    assert.ok(settled[0]?.error instanceof Error);
  });

  it("keeps the events' producer when a lone side-record send fails", async () => {
    const counting = countingIdempotentProducers(stack.kafka);
    const events = createIdempotentProducer(counting.kafka);
    const sideProducer = createSideRecordProducer(stack.kafka);
    const { sideRecords, settled } = sideOptions(sideProducer);
    const { writer } = stack.newWriter(undefined, events, { sideRecords });
    const topic = await stack.newTopic();
    const source = uniqueName("source");
    try {
      await events.connect();
      assert.equal(await writer.write(logEntry(source, topic, "evt_before")), "written");
      const madeBefore = counting.made();

      // The side records' topic does not exist: Kafka refuses the lone send.
      writer.addSideRecord(sideRecord(uniqueName("event-log-missing"), "lost"));
      await eventually("the lone side-record send failed", () => settled.length === 1);
      assert.ok(settled[0]?.error instanceof Error);
      assert.equal(await writer.write(logEntry(source, topic, "evt_after")), "written");

      assert.equal(counting.made() - madeBefore, 0, "the events' producer was not replaced");
      assert.deepEqual((await stack.messagesOn(topic)).map((message) => message.key?.toString()).sort(), ["customer-evt_after", "customer-evt_before"]);
    } finally {
      await writer.drain();
      await Promise.all([events.disconnect(), sideProducer.disconnect()]);
    }
  });

  it("sends lone side records to Kafka through their own producer", async () => {
    const sideProducer = createSideRecordProducer(stack.kafka);
    const { sideRecords, settled } = sideOptions(sideProducer);
    const { writer } = stack.newWriter(undefined, undefined, { sideRecords });
    const sideTopic = await stack.newTopic();
    // A topic just made may refuse a first produce (NOT_LEADER_FOR_PARTITION while its leader settles),
    // which the lone side-record producer does not retry (best effort, never sent twice): a producer
    // that retries writes to it first, and its record is left out below.
    const ready = stack.kafka.producer();
    await ready.connect();
    await ready.send({ topic: sideTopic, messages: [{ key: "ready", value: "ready" }] });
    await ready.disconnect();
    try {
      writer.addSideRecord(sideRecord(sideTopic, "a"));
      writer.addSideRecord(sideRecord(sideTopic, "b"));

      await eventually("both side records settled", () => settled.flatMap((entry) => entry.records).length === 2);
      assert.deepEqual(
        settled.map((entry) => entry.error),
        settled.map(() => undefined),
      );
      assert.deepEqual(
        (await stack.messagesOn(sideTopic))
          .map((message) => message.key?.toString())
          .filter((key) => key !== "ready")
          .sort(),
        ["a", "b"],
      );
    } finally {
      await writer.drain();
      await sideProducer.disconnect();
    }
  });

  it("drains without waiting for a lone side-record send past its deadline, and reports its records failed", async () => {
    const held = heldProducer();
    const { sideRecords, settled } = sideOptions(held.producer, { sendTimeoutMs: 200 });
    const { writer } = stack.newWriter(undefined, undefined, { sideRecords });
    const sideTopic = await stack.newTopic();
    const pending = sideRecord(sideTopic, "in-flight");
    const queued = sideRecord(sideTopic, "queued");

    writer.addSideRecord(pending);
    await eventually("the lone side-record send under way", () => held.sends.length === 1);
    writer.addSideRecord(queued);
    await writer.drain();

    assert.deepEqual(
      settled.flatMap((entry) => entry.records),
      [pending, queued],
    );
    assert.ok(settled.every((entry) => entry.error instanceof Error));
    held.release(new Error("too late"));
  });
});

// Side records (ingest's delivery metadata) ride in the produce requests of events: in the next
// batch's request, or alone after a short linger; their failure never fails an event.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually, uniqueName } from "@hooklog/testkit";
import type { LogProducer } from "@hooklog/kafka";
import { createSideRecordProducer, type SideRecord, type SideRecordOptions } from "../src/index.ts";
import { logEntry, openWriterStack, received, sent, type WriterStack } from "./writer-fixture.ts";

interface Settled {
  records: readonly SideRecord[];
  error: unknown;
}

const sideRecord = (topic: string, key: string): SideRecord => ({ topic, key, value: Buffer.from(`side ${key}`) });

describe("EventLogWriter side records", () => {
  let stack: WriterStack;
  let sideProducer: LogProducer;

  before(async () => {
    stack = await openWriterStack();
    sideProducer = createSideRecordProducer(stack.kafka);
  });

  after(async () => {
    await sideProducer?.disconnect();
    await stack?.close();
  });

  function sideWriter(options: Partial<SideRecordOptions> = {}) {
    const settled: Settled[] = [];
    const { writer } = stack.newWriter(undefined, undefined, {
      sideRecords: { producer: sideProducer, maxQueued: 10, lingerMs: 60_000, onSettled: (records, error) => settled.push({ records, error }), ...options },
    });
    return { writer, settled };
  }

  it("sends queued side records in the next event batch's produce request", async () => {
    const { writer, settled } = sideWriter();
    const [topic, sideTopic] = await Promise.all([stack.newTopic(), stack.newTopic()]);
    const side = sideRecord(sideTopic, "source-a");
    const event = logEntry(uniqueName("source"), topic, "evt_1");

    assert.equal(writer.addSideRecord(side), true);
    const before = writer.produceRequests;
    assert.equal(await writer.write(event), "written");

    assert.equal(writer.produceRequests - before, 1, "one produce request for the event and the side record");
    assert.deepEqual(settled, [{ records: [side], error: undefined }]);
    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(event)]);
    assert.deepEqual(
      (await stack.messagesOn(sideTopic)).map((message) => [message.key?.toString(), message.value?.toString()]),
      [["source-a", "side source-a"]],
    );
  });

  it("sends an event's receipt in the event's own produce request, and none for a duplicate", async () => {
    const { writer, settled } = sideWriter();
    const [topic, sideTopic] = await Promise.all([stack.newTopic(), stack.newTopic()]);
    const source = uniqueName("source");
    const receipt = sideRecord(sideTopic, "first");

    const before = writer.produceRequests;
    assert.equal(await writer.write({ ...logEntry(source, topic, "evt_1"), receipt }), "written");
    assert.equal(writer.produceRequests - before, 1);
    assert.equal(await writer.write({ ...logEntry(source, topic, "evt_1"), receipt: sideRecord(sideTopic, "copy") }), "duplicate");

    assert.deepEqual(settled, [{ records: [receipt], error: undefined }]);
    assert.deepEqual(
      (await stack.messagesOn(sideTopic)).map((message) => message.key?.toString()),
      ["first"],
    );
  });

  it("sends side records alone after the linger when no event comes", async () => {
    const { writer, settled } = sideWriter({ lingerMs: 20 });
    const sideTopic = await stack.newTopic();

    writer.addSideRecord(sideRecord(sideTopic, "a"));
    writer.addSideRecord(sideRecord(sideTopic, "b"));

    await eventually("both side records settled", () => settled.flatMap((entry) => entry.records).length === 2);
    assert.deepEqual(
      settled.map((entry) => entry.error),
      settled.map(() => undefined),
    );
    assert.deepEqual((await stack.messagesOn(sideTopic)).map((message) => message.key?.toString()).sort(), ["a", "b"]);
  });

  it("refuses a side record past maxQueued", () => {
    const { writer } = sideWriter({ maxQueued: 2 });
    assert.deepEqual(
      [1, 2, 3].map((index) => writer.addSideRecord(sideRecord("never-sent", String(index)))),
      [true, true, false],
    );
  });

  it("writes the events of a batch whose side records go to a missing topic, and reports those records failed", async () => {
    const { writer, settled } = sideWriter();
    const topic = await stack.newTopic();
    const missing = uniqueName("event-log-missing");
    const side = sideRecord(missing, "lost");
    const receipt = sideRecord(missing, "receipt");
    const event = { ...logEntry(uniqueName("source"), topic, "evt_1"), receipt };

    writer.addSideRecord(side);
    assert.equal(await writer.write(event), "written");

    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(event)]);
    assert.equal(settled.length, 1);
    assert.deepEqual(settled[0]?.records, [receipt, side]);
    assert.ok(settled[0]?.error instanceof Error);
  });
});

// The writer looks the next batch up in the ledger while the current one is on its way to Kafka, and
// still sends batches one after the other: a copy of an event still being sent waits for that send.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex } from "@hooklog/db";
import { createIdempotentProducer, type LogProducer } from "@hooklog/kafka";
import { eventually, uniqueName } from "@hooklog/testkit";
import { logEntry, openWriterStack, received, sent, type WriterStack } from "./writer-fixture.ts";

/** A producer whose sends wait until the test lets them go, each in turn, and which tells what it was given. */
function heldProducer(through: LogProducer) {
  const calls: Array<{ providerEventIds: string[]; startedAfterPreviousEnded: boolean }> = [];
  const gates: Array<{ release: (failure?: Error) => void }> = [];
  let sending = 0;
  const producer: LogProducer = {
    connect: () => through.connect(),
    disconnect: () => through.disconnect(),
    send: (record) => through.send(record),
    async sendBatch(batch) {
      calls.push({
        providerEventIds:
          batch.topicMessages?.flatMap((topic) => topic.messages.map((message) => String(message.headers?.["hooklog-provider-event-id"]))) ?? [],
        startedAfterPreviousEnded: sending === 0,
      });
      sending += 1;
      try {
        const failure = await new Promise<Error | undefined>((resolve) => gates.push({ release: resolve }));
        if (failure) throw failure;
        return await through.sendBatch(batch);
      } finally {
        sending -= 1;
      }
    },
  };
  return { producer, calls, release: (index: number, failure?: Error) => gates[index]?.release(failure), gatesOpen: () => gates.length };
}

/** A ledger connection pool that counts the connections it lends: one per lookup or record. */
function countingLedger(databaseUrl: string): { ledger: Knex; lent: () => number } {
  const ledger = connectDatabase(databaseUrl);
  const client = ledger.client as { acquireConnection(): Promise<unknown> };
  const acquire = client.acquireConnection.bind(client);
  let lent = 0;
  client.acquireConnection = () => {
    lent += 1;
    return acquire();
  };
  return { ledger, lent: () => lent };
}

describe("EventLogWriter pipeline", () => {
  let stack: WriterStack;
  const ledgers: Knex[] = [];

  before(async () => {
    stack = await openWriterStack();
  });

  after(async () => {
    await Promise.all(ledgers.map((ledger) => ledger.destroy()));
    await stack?.close();
  });

  async function pipelinedWriter() {
    const { ledger, lent } = countingLedger(stack.databaseUrl);
    ledgers.push(ledger);
    const real = createIdempotentProducer(stack.kafka);
    await real.connect();
    const held = heldProducer(real);
    const { writer, ledgerErrors } = stack.newWriter(ledger, held.producer);
    return { writer, ledgerErrors, held, lent, close: () => real.disconnect() };
  }

  it("looks the next batch up while the first is sent, and answers a copy of the event in flight duplicate once Kafka has it", async () => {
    const { writer, ledgerErrors, held, lent, close } = await pipelinedWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const first = logEntry(source, topic, "evt_1");
    const copy = logEntry(source, topic, "evt_1");
    const second = logEntry(source, topic, "evt_2");

    const firstWrite = writer.write(first);
    await eventually("the first batch's send", () => held.gatesOpen() === 1, { intervalMs: 5 });
    const lookupsBefore = lent();
    const laterWrites = [writer.write(copy), writer.write(second)];
    await eventually("the second batch's ledger lookup, while the first is still being sent", () => lent() > lookupsBefore, {
      intervalMs: 5,
      timeoutMs: 10_000,
    });
    assert.equal(held.gatesOpen(), 1, "the second batch was sent before the first was acknowledged");

    held.release(0);
    assert.equal(await firstWrite, "written");
    await eventually("the second batch's send", () => held.gatesOpen() === 2, { intervalMs: 5 });
    held.release(1);
    assert.deepEqual(await Promise.all(laterWrites), ["duplicate", "written"]);
    await writer.drain();

    assert.deepEqual(
      held.calls,
      [
        { providerEventIds: ["evt_1"], startedAfterPreviousEnded: true },
        { providerEventIds: ["evt_2"], startedAfterPreviousEnded: true },
      ],
      "the copy was sent again, or the second send overlapped the first",
    );
    const messages = await stack.messagesOn(topic);
    assert.deepEqual(
      messages.map(received).sort((a, b) => String(a.key).localeCompare(String(b.key))),
      [sent(first), sent(second)].sort((a, b) => a.key.localeCompare(b.key)),
    );
    assert.deepEqual(ledgerErrors, []);
    await close();
  });

  it("sends a copy of an event whose send in the batch before failed", async () => {
    const { writer, held, close } = await pipelinedWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const first = logEntry(source, topic, "evt_1");
    const copy = logEntry(source, topic, "evt_1");

    const firstWrite = writer.write(first);
    await eventually("the first batch's send", () => held.gatesOpen() === 1, { intervalMs: 5 });
    const copyWrite = writer.write(copy);
    held.release(0, new Error("the broker went away"));
    await assert.rejects(firstWrite, /the broker went away/);
    await eventually("the copy's send", () => held.gatesOpen() === 2, { intervalMs: 5 });
    held.release(1);
    assert.equal(await copyWrite, "written");
    await writer.drain();

    const messages = await stack.messagesOn(topic);
    assert.deepEqual(messages.map(received), [sent(copy)]);
    await close();
  });
});

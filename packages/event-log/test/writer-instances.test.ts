// Two ingest instances write through one ledger: neither may answer duplicate for an event nobody wrote.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex } from "@hooklog/db";
import { createIdempotentProducer, createKafka, type LogProducer } from "@hooklog/kafka";
import { uniqueName } from "@hooklog/testkit";
import { logEntry, openWriterStack, received, sent, type WriterStack } from "./writer-fixture.ts";

type Carried = { value: string | undefined; headers: Record<string, string> };
const byEventId = (x: Carried, y: Carried): number =>
  (x.headers["hooklog-provider-event-id"] ?? "").localeCompare(y.headers["hooklog-provider-event-id"] ?? "") || (x.value ?? "").localeCompare(y.value ?? "");

describe("EventLogWriter", () => {
  let stack: WriterStack;

  before(async () => {
    stack = await openWriterStack();
  });

  after(async () => {
    await stack?.close();
  });

  describe("two writers sharing one ledger, as two ingest instances do", () => {
    // The second instance: a Kafka client, idempotent producer and connection pool of its own.
    let otherDb: Knex;
    let otherProducer: LogProducer;

    before(async () => {
      otherDb = connectDatabase(stack.databaseUrl);
      otherProducer = createIdempotentProducer(createKafka({ clientId: "event-log-test-other", brokers: stack.brokers.split(",") }));
      await otherProducer.connect();
    });

    after(async () => {
      await otherProducer.disconnect();
      await otherDb.destroy();
    });

    const otherWriter = () => stack.newWriter(otherDb, otherProducer);

    it("writes every event delivered to both at once, and answers duplicate only for an event the other has written", async () => {
      const { writer: first, ledgerErrors: firstErrors } = stack.newWriter();
      const { writer: second, ledgerErrors: secondErrors } = otherWriter();
      const source = uniqueName("source");
      const topic = await stack.newTopic();
      const ids = Array.from({ length: 20 }, (_, index) => `evt_${index}`);
      const copies = ids.map((id) => ({ id, first: logEntry(source, topic, id), second: logEntry(source, topic, id) }));

      const outcomes = await Promise.all(copies.map(({ first: a, second: b }) => Promise.all([first.write(a), second.write(b)])));
      await Promise.all([first.drain(), second.drain()]);

      // A copy may get through twice (consumers absorb that); an answer of duplicate without a write is what may never happen.
      for (const [index, pair] of outcomes.entries()) assert.ok(pair.includes("written"), `${ids[index]}: ${pair.join(", ")}`);
      const written = copies.flatMap((copy, index) => [copy.first, copy.second].filter((_, which) => outcomes[index]?.[which] === "written"));
      const messages = await stack.messagesOn(topic);
      assert.deepEqual(messages.map(received).sort(byEventId), written.map(sent).sort(byEventId));
      const rows = await stack.ledgerRows(source);
      assert.deepEqual(
        rows.map((row) => row.provider_event_id),
        ids.toSorted(),
      );
      for (const row of rows)
        assert.ok(
          written.some((entry) => entry.eventId === row.event_id),
          `${row.provider_event_id} is recorded as a copy that was not written`,
        );
      assert.deepEqual([...firstErrors, ...secondErrors], []);
    });

    it("writes an event whose copy the other writer could not get into Kafka, and then answers the other's redelivery duplicate", async () => {
      const { writer: first } = stack.newWriter();
      const { writer: second, ledgerErrors } = otherWriter();
      const source = uniqueName("source");
      const topic = await stack.newTopic();

      // The first writer's copy goes to a topic Kafka does not host: it is sent, retried, and refused after seconds.
      const refused = first.write(logEntry(source, uniqueName("event-log-missing"), "evt_1"));
      const refusal = assert.rejects(refused, /does not host this topic-partition/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const copy = logEntry(source, topic, "evt_1");
      assert.equal(await second.write(copy), "written");
      await refusal;
      await second.drain();

      assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(copy)]);
      assert.deepEqual(await stack.ledgerRows(source), [{ source, provider_event_id: "evt_1", event_id: copy.eventId, topic, origin: "webhook" }]);
      assert.equal(await first.write(logEntry(source, topic, "evt_1")), "duplicate");
      assert.deepEqual(ledgerErrors, []);
    });
  });
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { createIdempotentProducer, createKafka, ensureTopics, type IHeaders, type Kafka, type LogProducer } from "@hooklog/kafka";
import { TcpRelay, readTopic, testStack, uniqueName, type ReadMessage } from "@hooklog/testkit";
import { type EventLogError, EventLogWriter, eventLogMigrations, newEventId, type LogEntry, type WriteOutcome } from "../src/index.ts";

const RETENTION_HOURS = 24;

interface LedgerRow {
  source: string;
  provider_event_id: string;
  event_id: string;
  topic: string;
  origin: string;
}

interface WriterUnderTest {
  writer: EventLogWriter;
  ledgerErrors: Array<{ error: unknown; entries: readonly LogEntry[] }>;
}

function logEntry(source: string, topic: string, providerEventId: string): LogEntry {
  return {
    source,
    providerEventId,
    eventId: newEventId(),
    origin: "webhook",
    topic,
    key: `customer-${providerEventId}`,
    value: Buffer.from(JSON.stringify({ source, providerEventId })),
    headers: { "hooklog-source": source, "hooklog-provider-event-id": providerEventId },
  };
}

function headerStrings(headers: IHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

/** What a message carries, in the shape of the entry that produced it. */
function received(message: ReadMessage): { key: string | undefined; value: string | undefined; headers: Record<string, string> } {
  return { key: message.key?.toString("utf8"), value: message.value?.toString("utf8"), headers: headerStrings(message.headers) };
}

type Carried = { value: string | undefined; headers: Record<string, string> };
const byEventId = (x: Carried, y: Carried): number =>
  (x.headers["hooklog-provider-event-id"] ?? "").localeCompare(y.headers["hooklog-provider-event-id"] ?? "") || (x.value ?? "").localeCompare(y.value ?? "");

function sent(entry: LogEntry): { key: string; value: string; headers: Record<string, string> } {
  return { key: entry.key, value: entry.value.toString("utf8"), headers: entry.headers };
}

describe("EventLogWriter", () => {
  let brokers: string;
  let databaseUrl: string;
  let db: Knex;
  let kafka: Kafka;
  let producer: LogProducer;

  before(async () => {
    ({ kafkaBrokers: brokers, databaseUrl } = await testStack());
    db = connectDatabase(databaseUrl);
    await migrateLatest(db, [eventLogMigrations]);
    kafka = createKafka({ clientId: "event-log-test", brokers: brokers.split(",") });
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  });

  after(async () => {
    await producer.disconnect();
    await db.destroy();
  });

  function newWriter(ledger: Knex = db): WriterUnderTest {
    const ledgerErrors: WriterUnderTest["ledgerErrors"] = [];
    const writer = new EventLogWriter({
      db: ledger,
      producer,
      retentionHours: RETENTION_HOURS,
      maxBatch: 100,
      onLedgerError: (error, entries) => ledgerErrors.push({ error, entries }),
    });
    return { writer, ledgerErrors };
  }

  async function newTopic(): Promise<string> {
    const topic = uniqueName("event-log-test");
    await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);
    return topic;
  }

  /** Exactly `count` messages: waits for them, then for 1.5 s of silence to see that no more come. */
  const readExactly = (topic: string, count: number): Promise<ReadMessage[]> => readTopic(brokers, topic, { count, settleMs: 1500, timeoutMs: 30_000 });

  const ledgerRows = (source: string, ledger: Knex = db): Promise<LedgerRow[]> =>
    ledger("accepted_events").where({ source }).select("source", "provider_event_id", "event_id", "topic", "origin").orderBy("provider_event_id");

  const insertExpiredRow = (source: string, providerEventId: string): Promise<unknown> =>
    db("accepted_events").insert({
      source,
      provider_event_id: providerEventId,
      event_id: newEventId(),
      topic: "expired-topic",
      origin: "webhook",
      accepted_at: db.raw("now() - make_interval(hours => ?)", [RETENTION_HOURS + 1]),
    });

  it("writes a fresh event to its topic once and records it in the ledger", async () => {
    const { writer, ledgerErrors } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    const entry = logEntry(source, topic, "evt_1");

    assert.equal(await writer.write(entry), "written");
    await writer.drain();

    const messages = await readExactly(topic, 1);
    assert.deepEqual(messages.map(received), [sent(entry)]);
    assert.deepEqual(await ledgerRows(source), [{ source, provider_event_id: "evt_1", event_id: entry.eventId, topic, origin: "webhook" }]);
    assert.deepEqual(ledgerErrors, []);
  });

  it("answers duplicate for an event written before, and sends nothing", async () => {
    const { writer } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    const first = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(first), "written");

    const redelivery = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(redelivery), "duplicate");

    await writer.drain();
    assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(first)]);
    assert.deepEqual(
      (await ledgerRows(source)).map((row) => row.event_id),
      [first.eventId],
    );
  });

  it("writes each event once when copies of it are submitted together", async () => {
    const { writer } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    const distinctIds = Array.from({ length: 10 }, (_, index) => `evt_distinct_${index}`);
    // 50 copies of one event, interleaved with three copies of each of ten others.
    const submitted = Array.from({ length: 50 }, (_, index) => ["evt_same", ...(index < 30 ? [distinctIds[index % 10] as string] : [])]).flat();

    const outcomes = await Promise.all(submitted.map((id) => writer.write(logEntry(source, topic, id))));

    const tally = (outcome: WriteOutcome): Record<string, number> => {
      const counts: Record<string, number> = {};
      submitted.forEach((id, index) => {
        if (outcomes[index] === outcome) counts[id] = (counts[id] ?? 0) + 1;
      });
      return counts;
    };
    const allIds = ["evt_same", ...distinctIds].sort();
    assert.deepEqual(tally("written"), Object.fromEntries(allIds.map((id) => [id, 1])));
    assert.deepEqual(tally("duplicate"), Object.fromEntries(allIds.map((id) => [id, id === "evt_same" ? 49 : 2])));

    await writer.drain();
    const messages = await readExactly(topic, allIds.length);
    assert.deepEqual(
      messages.map((message) => message.key?.toString("utf8")).sort(),
      allIds.map((id) => `customer-${id}`),
    );
    assert.deepEqual(
      (await ledgerRows(source)).map((row) => row.provider_event_id),
      allIds,
    );
  });

  it("treats the same provider event id under two sources as two events", async () => {
    const { writer } = newWriter();
    const [sourceA, sourceB] = [uniqueName("source-a"), uniqueName("source-b")];
    const topic = await newTopic();
    const fromA = logEntry(sourceA, topic, "evt_1");
    const fromB = logEntry(sourceB, topic, "evt_1");

    assert.deepEqual(await Promise.all([writer.write(fromA), writer.write(fromB)]), ["written", "written"]);
    await writer.drain();

    const messages = await readExactly(topic, 2);
    assert.deepEqual(messages.map((message) => received(message).headers["hooklog-source"]).sort(), [sourceA, sourceB].sort());
    assert.deepEqual(
      (await ledgerRows(sourceA)).map((row) => row.event_id),
      [fromA.eventId],
    );
    assert.deepEqual(
      (await ledgerRows(sourceB)).map((row) => row.event_id),
      [fromB.eventId],
    );
  });

  it("finds the accepted ids of one source only, within the retention window", async () => {
    const { writer } = newWriter();
    const [source, other] = [uniqueName("source"), uniqueName("other")];
    const topic = await newTopic();
    await Promise.all([
      writer.write(logEntry(source, topic, "evt_1")),
      writer.write(logEntry(source, topic, "evt_2")),
      writer.write(logEntry(other, topic, "evt_other")),
    ]);
    await insertExpiredRow(source, "evt_expired");

    const found = await writer.findAccepted(source, ["evt_1", "evt_2", "evt_other", "evt_expired", "evt_never"]);

    assert.deepEqual([...found].sort(), ["evt_1", "evt_2"]);
    assert.deepEqual(await writer.findAccepted(source, []), new Set());
  });

  it("writes again an event whose ledger row is older than the retention window", async () => {
    const { writer } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    await insertExpiredRow(source, "evt_1");
    const entry = logEntry(source, topic, "evt_1");

    assert.equal(await writer.write(entry), "written");

    assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(entry)]);
  });

  it("answers duplicate for a redelivery of an event written again after its ledger row expired", async () => {
    const { writer } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    await insertExpiredRow(source, "evt_1");
    const rewritten = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(rewritten), "written");

    assert.equal(await writer.write(logEntry(source, topic, "evt_1")), "duplicate");
    await writer.drain();
    assert.deepEqual(
      (await ledgerRows(source)).map((row) => row.event_id),
      [rewritten.eventId],
    );
  });

  it("answers written at Kafka's acknowledgement, and duplicate for a redelivery while the ledger record is still under way", async () => {
    const { writer, ledgerErrors } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    // An uncommitted row for the same id: the writer's lookup does not see it, and its record waits on
    // the row lock until this transaction ends.
    const blocker = await db.transaction();
    await blocker("accepted_events").insert({ source, provider_event_id: "evt_1", event_id: newEventId(), topic, origin: "webhook" });
    const entry = logEntry(source, topic, "evt_1");
    try {
      assert.equal(await writer.write(entry), "written");

      assert.equal(await writer.write(logEntry(source, topic, "evt_1")), "duplicate");
      assert.deepEqual(await writer.findAccepted(source, ["evt_1", "evt_2"]), new Set(["evt_1"]));
      assert.deepEqual(await ledgerRows(source), []);
    } finally {
      await blocker.rollback();
    }
    await writer.drain();

    assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(entry)]);
    assert.deepEqual(
      (await ledgerRows(source)).map((row) => row.event_id),
      [entry.eventId],
    );
    assert.deepEqual(ledgerErrors, []);
  });

  it("purges ledger rows older than the retention window and keeps newer ones", async () => {
    const { writer } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    await insertExpiredRow(source, "evt_expired");
    assert.equal(await writer.write(logEntry(source, topic, "evt_recent")), "written");
    await writer.drain();

    const purged = await writer.purge();

    assert.ok(purged >= 1, `purge() returned ${purged}`);
    assert.deepEqual(
      (await ledgerRows(source)).map((row) => row.provider_event_id),
      ["evt_recent"],
    );
  });

  it("rejects a write Kafka refuses and records nothing, so a later copy is written", async () => {
    const { writer, ledgerErrors } = newWriter();
    const source = uniqueName("source");
    const missingTopic = uniqueName("event-log-missing");

    // The idempotent producer does not create topics: a write to a missing one fails after its retries.
    await assert.rejects(writer.write(logEntry(source, missingTopic, "evt_1")), /does not host this topic-partition/);
    assert.deepEqual(await ledgerRows(source), []);
    assert.deepEqual(ledgerErrors, []);

    const topic = await newTopic();
    const retry = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(retry), "written");
    assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(retry)]);
  });

  it("rejects a write as ledger_unavailable, sending nothing, while the ledger cannot be reached; writes it once it can", async () => {
    const relay = await TcpRelay.open({ host: new URL(databaseUrl).hostname, port: Number(new URL(databaseUrl).port || 5432) }, "refuse");
    const url = new URL(databaseUrl);
    url.host = `127.0.0.1:${relay.port}`;
    const unreachable = connectDatabase(url.toString());
    try {
      const { writer } = newWriter(unreachable);
      const source = uniqueName("source");
      const topic = await newTopic();
      const entry = logEntry(source, topic, "evt_1");

      await assert.rejects(
        writer.write(entry),
        (error: EventLogError) => error.code === "ledger_unavailable" && error.retryable && /deduplication ledger/.test(error.message),
      );
      assert.deepEqual(await readTopic(brokers, topic, { settleMs: 1500, timeoutMs: 5000 }), [], "nothing sent without the ledger's word");

      await relay.set("forward");
      assert.equal(await writer.write(entry), "written");
      await writer.drain();
      assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(entry)]);
    } finally {
      await unreachable.destroy();
      await relay.close();
    }
  });

  describe("when the ledger refuses the record after Kafka acknowledged", () => {
    // A database of its own whose ledger rejects every insert, so the shared ledger is never altered.
    const database = uniqueName("hooklog_event_log").replaceAll("-", "_");
    let brokenLedger: Knex;

    before(async () => {
      await db.raw(`create database ${database}`);
      const url = new URL(databaseUrl);
      url.pathname = `/${database}`;
      brokenLedger = connectDatabase(url.toString());
      await migrateLatest(brokenLedger, [eventLogMigrations]);
      await brokenLedger.raw(`
        create function refuse_accepted_event() returns trigger language plpgsql as $$
        begin raise exception 'ledger refused %', new.provider_event_id; end $$`);
      await brokenLedger.raw(`create trigger refuse_accepted_event before insert on accepted_events for each row execute function refuse_accepted_event()`);
    });

    after(async () => {
      await brokenLedger.destroy();
      await db.raw(`drop database if exists ${database}`);
    });

    it("still answers written, keeps the event in Kafka and reports the entries to onLedgerError", async () => {
      const { writer, ledgerErrors } = newWriter(brokenLedger);
      const source = uniqueName("source");
      const topic = await newTopic();
      const entry = logEntry(source, topic, "evt_1");

      assert.equal(await writer.write(entry), "written");
      await writer.drain();

      assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(entry)]);
      assert.equal(ledgerErrors.length, 1);
      assert.deepEqual(ledgerErrors[0]?.entries, [entry]);
      assert.match(String(ledgerErrors[0]?.error), /ledger refused evt_1/);
      assert.deepEqual(await ledgerRows(source, brokenLedger), []);
    });
  });

  describe("two writers sharing one ledger, as two ingest instances do", () => {
    // The second instance: a Kafka client, idempotent producer and connection pool of its own.
    let otherDb: Knex;
    let otherProducer: LogProducer;

    before(async () => {
      otherDb = connectDatabase(databaseUrl);
      otherProducer = createIdempotentProducer(createKafka({ clientId: "event-log-test-other", brokers: brokers.split(",") }));
      await otherProducer.connect();
    });

    after(async () => {
      await otherProducer.disconnect();
      await otherDb.destroy();
    });

    const otherWriter = (): WriterUnderTest => {
      const ledgerErrors: WriterUnderTest["ledgerErrors"] = [];
      const writer = new EventLogWriter({
        db: otherDb,
        producer: otherProducer,
        retentionHours: RETENTION_HOURS,
        maxBatch: 100,
        onLedgerError: (error, entries) => ledgerErrors.push({ error, entries }),
      });
      return { writer, ledgerErrors };
    };

    it("writes every event delivered to both at once, and answers duplicate only for an event the other has written", async () => {
      const { writer: first, ledgerErrors: firstErrors } = newWriter();
      const { writer: second, ledgerErrors: secondErrors } = otherWriter();
      const source = uniqueName("source");
      const topic = await newTopic();
      const ids = Array.from({ length: 20 }, (_, index) => `evt_${index}`);
      const copies = ids.map((id) => ({ id, first: logEntry(source, topic, id), second: logEntry(source, topic, id) }));

      const outcomes = await Promise.all(copies.map(({ first: a, second: b }) => Promise.all([first.write(a), second.write(b)])));
      await Promise.all([first.drain(), second.drain()]);

      // A copy may get through twice (consumers absorb that); an answer of duplicate without a write is what may never happen.
      for (const [index, pair] of outcomes.entries()) assert.ok(pair.includes("written"), `${ids[index]}: ${pair.join(", ")}`);
      const written = copies.flatMap((copy, index) => [copy.first, copy.second].filter((_, which) => outcomes[index]?.[which] === "written"));
      const messages = await readExactly(topic, written.length);
      assert.deepEqual(messages.map(received).sort(byEventId), written.map(sent).sort(byEventId));
      const rows = await ledgerRows(source);
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
      const { writer: first } = newWriter();
      const { writer: second, ledgerErrors } = otherWriter();
      const source = uniqueName("source");
      const topic = await newTopic();

      // The first writer's copy goes to a topic Kafka does not host: it is sent, retried, and refused after seconds.
      const refused = first.write(logEntry(source, uniqueName("event-log-missing"), "evt_1"));
      const refusal = assert.rejects(refused, /does not host this topic-partition/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const copy = logEntry(source, topic, "evt_1");
      assert.equal(await second.write(copy), "written");
      await refusal;
      await second.drain();

      assert.deepEqual((await readExactly(topic, 1)).map(received), [sent(copy)]);
      assert.deepEqual(await ledgerRows(source), [{ source, provider_event_id: "evt_1", event_id: copy.eventId, topic, origin: "webhook" }]);
      assert.equal(await first.write(logEntry(source, topic, "evt_1")), "duplicate");
      assert.deepEqual(ledgerErrors, []);
    });
  });

  it("drains only after every submitted write has settled", async () => {
    const { writer } = newWriter();
    const source = uniqueName("source");
    const topic = await newTopic();
    const settled: WriteOutcome[] = [];
    const ids = ["evt_1", "evt_2", "evt_1", "evt_3", "evt_2", "evt_4"];

    const writes = ids.map((id) => writer.write(logEntry(source, topic, id)).then((outcome) => settled.push(outcome)));
    await writer.drain();

    assert.equal(settled.length, ids.length);
    assert.deepEqual(settled.toSorted(), ["duplicate", "duplicate", "written", "written", "written", "written"]);
    assert.deepEqual(
      (await ledgerRows(source)).map((row) => row.provider_event_id),
      ["evt_1", "evt_2", "evt_3", "evt_4"],
    );
    await Promise.all(writes);
  });
});

// What the writer does when Kafka or the ledger fails it: a refusal before Kafka's acknowledgement
// records nothing and sends nothing; a ledger refusal after it keeps the event and reports it.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { TcpRelay, uniqueName } from "@hooklog/testkit";
import { type EventLogError, SIGNED_CONTENT_KEY_PREFIX, eventLogMigrations } from "../src/index.ts";
import { logEntry, openWriterStack, received, sent, type WriterStack } from "./writer-fixture.ts";

const byKey = (a: { key: string | undefined }, b: { key: string | undefined }) => String(a.key).localeCompare(String(b.key));

describe("EventLogWriter", () => {
  let stack: WriterStack;

  before(async () => {
    stack = await openWriterStack();
  });

  after(async () => {
    await stack?.close();
  });

  it("rejects a write Kafka refuses and records nothing, so a later copy is written", async () => {
    const { writer, ledgerErrors } = stack.newWriter();
    const source = uniqueName("source");
    const missingTopic = uniqueName("event-log-missing");

    // The idempotent producer does not create topics: a write to a missing one fails after its retries.
    await assert.rejects(writer.write(logEntry(source, missingTopic, "evt_1")), /does not host this topic-partition/);
    assert.deepEqual(await stack.ledgerRows(source), []);
    assert.deepEqual(ledgerErrors, []);

    const topic = await stack.newTopic();
    const retry = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(retry), "written");
    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(retry)]);
  });

  it("fails every copy of an event Kafka refused: none is answered duplicate for an event that is not in the log", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const missingTopic = uniqueName("event-log-missing");

    // The first may go alone; the copies submitted while it is under way share the next batch.
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => writer.write(logEntry(source, missingTopic, "evt_copied"))));

    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ["rejected", "rejected", "rejected"],
    );
    assert.deepEqual(await stack.ledgerRows(source), []);
  });

  it("refuses an entry whose provider event id the ledger cannot take, and writes the entries of its batch", async () => {
    const { writer, ledgerErrors } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const good = ["evt_a", "evt_b"].map((id) => logEntry(source, topic, id));

    const [bad, ...rest] = await Promise.allSettled([logEntry(source, topic, "evt_\u0000"), ...good].map((entry) => writer.write(entry)));
    await writer.drain();

    assert.equal(bad?.status, "rejected");
    assert.equal(((bad as PromiseRejectedResult).reason as EventLogError).code, "invalid_event_key");
    assert.deepEqual(
      rest.map((outcome) => outcome.status === "fulfilled" && outcome.value),
      ["written", "written"],
    );
    assert.deepEqual((await stack.messagesOn(topic)).map(received).sort(byKey), good.map(sent).sort(byKey));
    assert.deepEqual(ledgerErrors, []);
  });

  it("refuses an id in the form of the ledger's own signed-content keys, so its batch's ledger record cannot fail on it", async () => {
    const { writer, ledgerErrors } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const digest = "ef".repeat(32);
    const crafted = { ...logEntry(source, topic, `${SIGNED_CONTENT_KEY_PREFIX}${digest}`), replayDigest: digest };
    const good = logEntry(source, topic, "evt_alongside");

    const [refused, written] = await Promise.allSettled([writer.write(crafted), writer.write(good)]);
    await writer.drain();

    assert.equal(((refused as PromiseRejectedResult).reason as EventLogError).code, "invalid_event_key");
    assert.deepEqual(written, { status: "fulfilled", value: "written" });
    assert.deepEqual(ledgerErrors, []);
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.provider_event_id),
      ["evt_alongside"],
    );
  });

  it("finds no accepted id among ids the ledger cannot take, rather than failing the lookup", async () => {
    const { writer } = stack.newWriter();

    assert.deepEqual(await writer.findAccepted(uniqueName("source"), ["evt_\u0000", "x".repeat(300), "evt_fine"]), new Set());
  });

  it("rejects a write as ledger_unavailable, sending nothing, while the ledger cannot be reached; writes it once it can", async () => {
    const relay = await TcpRelay.open({ host: new URL(stack.databaseUrl).hostname, port: Number(new URL(stack.databaseUrl).port || 5432) }, "refuse");
    const url = new URL(stack.databaseUrl);
    url.host = `127.0.0.1:${relay.port}`;
    const unreachable = connectDatabase(url.toString());
    try {
      const { writer } = stack.newWriter(unreachable);
      const source = uniqueName("source");
      const topic = await stack.newTopic();
      const entry = logEntry(source, topic, "evt_1");

      await assert.rejects(
        writer.write(entry),
        (error: EventLogError) => error.code === "ledger_unavailable" && error.retryable && /deduplication ledger/.test(error.message),
      );
      assert.deepEqual(await stack.messagesOn(topic), [], "nothing sent without the ledger's word");

      await relay.set("forward");
      assert.equal(await writer.write(entry), "written");
      await writer.drain();
      // The one message, and no copy sent during the outage before it.
      assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(entry)]);
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
      await stack.db.raw(`create database ${database}`);
      const url = new URL(stack.databaseUrl);
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
      await stack.db.raw(`drop database if exists ${database}`);
    });

    it("still answers written, keeps the event in Kafka and reports the entries to onLedgerError", async () => {
      const { writer, ledgerErrors } = stack.newWriter(brokenLedger);
      const source = uniqueName("source");
      const topic = await stack.newTopic();
      const entry = logEntry(source, topic, "evt_1");

      assert.equal(await writer.write(entry), "written");
      await writer.drain();

      assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(entry)]);
      assert.equal(ledgerErrors.length, 1);
      assert.deepEqual(ledgerErrors[0]?.entries, [entry]);
      assert.match(String(ledgerErrors[0]?.error), /ledger refused evt_1/);
      assert.deepEqual(await stack.ledgerRows(source, brokenLedger), []);
    });
  });
});

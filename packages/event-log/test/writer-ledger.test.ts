// What the writer answers and records: one write per event and source, duplicates answered from the
// ledger, its retention window, and drain.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { uniqueName } from "@hooklog/testkit";
import { SIGNED_CONTENT_KEY_PREFIX, newEventId, type WriteOutcome } from "../src/index.ts";
import { logEntry, openWriterStack, received, sent, type WriterStack } from "./writer-fixture.ts";

describe("EventLogWriter", () => {
  let stack: WriterStack;

  before(async () => {
    stack = await openWriterStack();
  });

  after(async () => {
    await stack?.close();
  });

  it("writes a fresh event to its topic once and records it in the ledger", async () => {
    const { writer, ledgerErrors } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const entry = logEntry(source, topic, "evt_1");

    assert.equal(await writer.write(entry), "written");
    await writer.drain();

    const messages = await stack.messagesOn(topic);
    assert.deepEqual(messages.map(received), [sent(entry)]);
    assert.deepEqual(await stack.ledgerRows(source), [{ source, provider_event_id: "evt_1", event_id: entry.eventId, topic, origin: "webhook" }]);
    assert.deepEqual(ledgerErrors, []);
  });

  it("answers duplicate for an event written before, and sends nothing", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const first = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(first), "written");

    const redelivery = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(redelivery), "duplicate");

    await writer.drain();
    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(first)]);
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.event_id),
      [first.eventId],
    );
  });

  it("writes each event once when copies of it are submitted together", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
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
    const messages = await stack.messagesOn(topic);
    assert.deepEqual(
      messages.map((message) => message.key?.toString("utf8")).sort(),
      allIds.map((id) => `customer-${id}`),
    );
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.provider_event_id),
      allIds,
    );
  });

  it("answers duplicate for the same signed content under another id, and records both of the first's keys", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const digest = "ab".repeat(32);
    const first = { ...logEntry(source, topic, "delivery-1"), replayDigest: digest };

    assert.equal(await writer.write(first), "written");
    assert.equal(await writer.write({ ...logEntry(source, topic, "delivery-2"), replayDigest: digest }), "duplicate");
    // An idle writer sends the first write at once and gathers the next ones meanwhile: the two copies share a batch.
    const ahead = writer.write(logEntry(source, topic, "delivery-ahead"));
    const together = await Promise.all(
      ["delivery-3", "delivery-4"].map((id) => writer.write({ ...logEntry(source, topic, id), replayDigest: "cd".repeat(32) })),
    );
    assert.equal(await ahead, "written");
    await writer.drain();

    assert.deepEqual(together, ["written", "duplicate"]);
    assert.equal((await stack.messagesOn(topic)).length, 3);
    const rows = await stack.ledgerRows(source);
    assert.deepEqual(
      rows.filter((row) => row.event_id === first.eventId).map((row) => row.provider_event_id),
      ["delivery-1", `${SIGNED_CONTENT_KEY_PREFIX}${digest}`],
    );
  });

  it("treats the same provider event id under two sources as two events", async () => {
    const { writer } = stack.newWriter();
    const [sourceA, sourceB] = [uniqueName("source-a"), uniqueName("source-b")];
    const topic = await stack.newTopic();
    const fromA = logEntry(sourceA, topic, "evt_1");
    const fromB = logEntry(sourceB, topic, "evt_1");

    assert.deepEqual(await Promise.all([writer.write(fromA), writer.write(fromB)]), ["written", "written"]);
    await writer.drain();

    const messages = await stack.messagesOn(topic);
    assert.deepEqual(messages.map((message) => received(message).headers["hooklog-source"]).sort(), [sourceA, sourceB].sort());
    assert.deepEqual(
      (await stack.ledgerRows(sourceA)).map((row) => row.event_id),
      [fromA.eventId],
    );
    assert.deepEqual(
      (await stack.ledgerRows(sourceB)).map((row) => row.event_id),
      [fromB.eventId],
    );
  });

  it("finds the accepted ids of one source only, within the retention window", async () => {
    const { writer } = stack.newWriter();
    const [source, other] = [uniqueName("source"), uniqueName("other")];
    const topic = await stack.newTopic();
    await Promise.all([
      writer.write(logEntry(source, topic, "evt_1")),
      writer.write(logEntry(source, topic, "evt_2")),
      writer.write(logEntry(other, topic, "evt_other")),
    ]);
    await stack.insertExpiredRow(source, "evt_expired");

    const found = await writer.findAccepted(source, ["evt_1", "evt_2", "evt_other", "evt_expired", "evt_never"]);

    assert.deepEqual([...found].sort(), ["evt_1", "evt_2"]);
    assert.deepEqual(await writer.findAccepted(source, []), new Set());
  });

  it("writes again an event whose ledger row is older than the retention window", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    await stack.insertExpiredRow(source, "evt_1");
    const entry = logEntry(source, topic, "evt_1");

    assert.equal(await writer.write(entry), "written");

    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(entry)]);
  });

  it("answers duplicate for a redelivery of an event written again after its ledger row expired", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    await stack.insertExpiredRow(source, "evt_1");
    const rewritten = logEntry(source, topic, "evt_1");
    assert.equal(await writer.write(rewritten), "written");

    assert.equal(await writer.write(logEntry(source, topic, "evt_1")), "duplicate");
    await writer.drain();
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.event_id),
      [rewritten.eventId],
    );
  });

  it("answers written at Kafka's acknowledgement, and duplicate for a redelivery while the ledger record is still under way", async () => {
    const { writer, ledgerErrors } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    // An uncommitted row for the same id: the writer's lookup does not see it, and its record waits on
    // the row lock until this transaction ends.
    const blocker = await stack.db.transaction();
    await blocker("accepted_events").insert({ source, provider_event_id: "evt_1", event_id: newEventId(), topic, origin: "webhook" });
    const entry = logEntry(source, topic, "evt_1");
    try {
      assert.equal(await writer.write(entry), "written");

      assert.equal(await writer.write(logEntry(source, topic, "evt_1")), "duplicate");
      assert.deepEqual(await writer.findAccepted(source, ["evt_1", "evt_2"]), new Set(["evt_1"]));
      assert.deepEqual(await stack.ledgerRows(source), []);
    } finally {
      await blocker.rollback();
    }
    await writer.drain();

    assert.deepEqual((await stack.messagesOn(topic)).map(received), [sent(entry)]);
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.event_id),
      [entry.eventId],
    );
    assert.deepEqual(ledgerErrors, []);
  });

  it("purges ledger rows older than the retention window and keeps newer ones", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    await stack.insertExpiredRow(source, "evt_expired");
    assert.equal(await writer.write(logEntry(source, topic, "evt_recent")), "written");
    await writer.drain();

    const purged = await writer.purge();

    assert.ok(purged >= 1, `purge() returned ${purged}`);
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.provider_event_id),
      ["evt_recent"],
    );
  });

  it("drains only after every submitted write has settled", async () => {
    const { writer } = stack.newWriter();
    const source = uniqueName("source");
    const topic = await stack.newTopic();
    const settled: WriteOutcome[] = [];
    const ids = ["evt_1", "evt_2", "evt_1", "evt_3", "evt_2", "evt_4"];

    const writes = ids.map((id) => writer.write(logEntry(source, topic, id)).then((outcome) => settled.push(outcome)));
    await writer.drain();

    assert.equal(settled.length, ids.length);
    assert.deepEqual(settled.toSorted(), ["duplicate", "duplicate", "written", "written", "written", "written"]);
    assert.deepEqual(
      (await stack.ledgerRows(source)).map((row) => row.provider_event_id),
      ["evt_1", "evt_2", "evt_3", "evt_4"],
    );
    await Promise.all(writes);
  });
});

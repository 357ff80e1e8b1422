// What the EventLogWriter tests share: the real ledger and Kafka, a writer on them, a topic per test,
// and the shapes an entry and the message it became are compared in.
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { createIdempotentProducer, createKafka, ensureTopics, type IHeaders, type Kafka, type LogProducer } from "@hooklog/kafka";
import { readTopic, testStack, uniqueName, type ReadMessage } from "@hooklog/testkit";
import { EventLogWriter, eventLogMigrations, newEventId, type EventLogWriterOptions, type LogEntry } from "../src/index.ts";

export const RETENTION_HOURS = 24;

export interface LedgerRow {
  source: string;
  provider_event_id: string;
  event_id: string;
  topic: string;
  origin: string;
}

export interface WriterUnderTest {
  writer: EventLogWriter;
  ledgerErrors: Array<{ error: unknown; entries: readonly LogEntry[] }>;
}

export function logEntry(source: string, topic: string, providerEventId: string): LogEntry {
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
export function received(message: ReadMessage): { key: string | undefined; value: string | undefined; headers: Record<string, string> } {
  return { key: message.key?.toString("utf8"), value: message.value?.toString("utf8"), headers: headerStrings(message.headers) };
}

export function sent(entry: LogEntry): { key: string; value: string; headers: Record<string, string> } {
  return { key: entry.key, value: entry.value.toString("utf8"), headers: entry.headers };
}

export interface WriterStack {
  brokers: string;
  /** The client this stack's producer was made from. */
  kafka: Kafka;
  databaseUrl: string;
  /** The shared ledger. */
  db: Knex;
  /** A writer on `ledger` (the shared one unless given) and `producer` (this stack's unless given), with `options` over the defaults. */
  newWriter(ledger?: Knex, producer?: LogProducer, options?: Partial<EventLogWriterOptions>): WriterUnderTest;
  /** A fresh topic of three partitions. */
  newTopic(): Promise<string>;
  /**
   * Every message the topic holds. A write answers "written" at Kafka's acknowledgement, so once the
   * writes a test awaited are in, this is all of them: one too many is there to see.
   */
  messagesOn(topic: string): Promise<ReadMessage[]>;
  ledgerRows(source: string, ledger?: Knex): Promise<LedgerRow[]>;
  /** A ledger row of `providerEventId` older than the retention window, by an hour. */
  insertExpiredRow(source: string, providerEventId: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function openWriterStack(): Promise<WriterStack> {
  const { kafkaBrokers: brokers, databaseUrl } = await testStack();
  const db = connectDatabase(databaseUrl);
  await migrateLatest(db, [eventLogMigrations]);
  const kafka: Kafka = createKafka({ clientId: "event-log-test", brokers: brokers.split(",") });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();

  return {
    brokers,
    kafka,
    databaseUrl,
    db,
    newWriter(ledger = db, through = producer, options = {}) {
      const ledgerErrors: WriterUnderTest["ledgerErrors"] = [];
      const writer = new EventLogWriter({
        db: ledger,
        producer: through,
        retentionHours: RETENTION_HOURS,
        maxBatch: 100,
        onLedgerError: (error, entries) => ledgerErrors.push({ error, entries }),
        ...options,
      });
      return { writer, ledgerErrors };
    },
    async newTopic() {
      const topic = uniqueName("event-log-test");
      await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);
      return topic;
    },
    messagesOn: (topic) => readTopic(brokers, topic, { toEnd: true, timeoutMs: 30_000 }),
    ledgerRows: (source, ledger = db) =>
      ledger("accepted_events").where({ source }).select("source", "provider_event_id", "event_id", "topic", "origin").orderBy("provider_event_id"),
    insertExpiredRow: (source, providerEventId) =>
      db("accepted_events").insert({
        source,
        provider_event_id: providerEventId,
        event_id: newEventId(),
        topic: "expired-topic",
        origin: "webhook",
        accepted_at: db.raw("now() - make_interval(hours => ?)", [RETENTION_HOURS + 1]),
      }),
    async close() {
      await producer.disconnect();
      await db.destroy();
    },
  };
}

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics, type Kafka, type LogProducer } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import { ROOT_CONTEXT, trace } from "@hooklog/telemetry";
import { TcpRelay, readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { EventAppender, EventLogWriter, eventLogMigrations, type NewEvent } from "../src/index.ts";

describe("EventAppender, the one way an event enters the log", () => {
  let brokers: string;
  let registryUrl: string;
  let db: Knex;
  let kafka: Kafka;
  let producer: LogProducer;
  let writer: EventLogWriter;

  before(async () => {
    const stack = await testStack();
    ({ kafkaBrokers: brokers, schemaRegistryUrl: registryUrl } = stack);
    db = connectDatabase(stack.databaseUrl);
    await migrateLatest(db, [eventLogMigrations]);
    kafka = createKafka({ clientId: "event-appender-test", brokers: brokers.split(",") });
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    writer = new EventLogWriter({ db, producer, retentionHours: 24, maxBatch: 100, onLedgerError: (error) => assert.fail(String(error)) });
  });

  after(async () => {
    await writer.drain();
    await producer.disconnect();
    await db.destroy();
  });

  async function newEvent(overrides: Partial<NewEvent> = {}): Promise<NewEvent> {
    const topic = uniqueName("appender-test");
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    return {
      source: { name: uniqueName("source"), provider: "stripe", topic },
      providerEventId: uniqueName("evt"),
      type: "invoice.paid",
      providerTimestamp: 1_700_000_000_000,
      partitionKey: "in_123",
      origin: "webhook",
      verification: { scheme: "stripe-v1", secretIndex: 1 },
      contentType: "application/json",
      headers: { "stripe-signature": "t=1,v1=abc" },
      payload: Buffer.from('{"id":"evt_1"}'),
      receivedAt: 1_700_000_001_000,
      parent: ROOT_CONTEXT,
      ...overrides,
    };
  }

  it("writes the envelope its schema decodes to, keyed by the entity, with the event id, type and trace context in headers", async () => {
    const appender = new EventAppender({ writer, registry: new SchemaRegistryClient(registryUrl) });
    // A parent from another process (the POST's traceparent): the record carries its trace on.
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
      isRemote: true,
    });
    const input = await newEvent({ parent });

    const appended = await appender.append(input);
    assert.equal(appended.kind, "sent");
    assert.equal(await (appended.kind === "sent" ? appended.written : undefined), "written");

    const [message] = await readTopic(brokers, input.source.topic, { count: 1, timeoutMs: 30_000 });
    assert.ok(message?.value);
    const envelope = await (await webhookEventCodec(new SchemaRegistryClient(registryUrl), input.source.topic)).decode(message.value);
    // avsc decodes records into instances of generated classes: compared as plain objects.
    assert.deepEqual(
      { ...envelope, verification: { ...envelope.verification } },
      {
        id: appended.event.id,
        source: input.source.name,
        provider: "stripe",
        providerEventId: input.providerEventId,
        type: "invoice.paid",
        providerTimestamp: 1_700_000_000_000,
        receivedAt: 1_700_000_001_000,
        origin: "webhook",
        verification: { scheme: "stripe-v1", secretIndex: 1 },
        contentType: "application/json",
        headers: { "stripe-signature": "t=1,v1=abc" },
        payload: Buffer.from('{"id":"evt_1"}'),
      },
    );
    assert.equal(message.key?.toString(), "in_123");
    assert.equal(message.headers["hooklog-event-id"]?.toString(), appended.event.id);
    assert.equal(message.headers["hooklog-event-type"]?.toString(), "invoice.paid");
    assert.match(String(message.headers.traceparent), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });

  it("refuses a record over the topic's limit before it joins a batch, and sends nothing", async () => {
    const appender = new EventAppender({ writer, registry: new SchemaRegistryClient(registryUrl) });
    const big = await newEvent({ payload: Buffer.alloc(4096, "x") });

    assert.equal((await appender.append(big, { maxRecordBytes: 2048 })).kind, "too_large");

    const marker = await appender.append({ ...big, providerEventId: uniqueName("evt"), payload: Buffer.from("{}") }, { maxRecordBytes: 2048 });
    assert.equal(await (marker.kind === "sent" ? marker.written : undefined), "written");
    // Written means acknowledged: the topic holds the marker, and the big record too had it been sent.
    const messages = await readTopic(brokers, big.source.topic, { toEnd: true, timeoutMs: 30_000 });
    assert.deepEqual(
      messages.map((message) => message.headers["hooklog-event-id"]?.toString()),
      [marker.event.id],
    );
  });

  it("keeps a registered codec, and tries a failed registration again on the next call", async () => {
    const registry = new URL(registryUrl);
    const relay = await TcpRelay.open({ host: registry.hostname, port: Number(registry.port) }, "refuse");
    try {
      const appender = new EventAppender({ writer, registry: new SchemaRegistryClient(registryUrl.replace(registry.port, String(relay.port))) });
      const { source } = await newEvent();

      await assert.rejects(Promise.resolve(appender.codec(source.topic)));
      await relay.set("forward");
      const codec = await appender.codec(source.topic);
      assert.equal(appender.codec(source.topic), codec, "once registered, the codec is handed out as is, not as a promise");
    } finally {
      await relay.close();
    }
  });
});

// The one way these tests run the catalog: its consumer in this process on the real stack, over two
// source topics and a deliveries topic of this run, so no other test shares their events.
import { randomUUID } from "node:crypto";
import { consumerKitMigrations, groupId, startConsumer, type RunningConsumer } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import {
  KEEP_FOREVER,
  MAX_SOURCE_BODY_BYTES,
  SchemaRegistryClient,
  createIdempotentProducer,
  createKafka,
  createRecordCodec,
  ensureTopics,
  valueSubject,
  webhookTopicSpec,
  type LogProducer,
  type RecordCodec,
} from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { DELIVERY, type Delivery, latestSchema, webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { consumerCaughtUp, eventually, testStack, uniqueName } from "@hooklog/testkit";
import { catalogConsumer } from "../src/catalog-consumer.ts";
import { catalogMigrations } from "@hooklog/event-catalog";

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface CatalogSource {
  name: string;
  provider: string;
  topic: string;
}

export interface Published {
  event: WebhookEvent;
  key: string;
  traceId: string;
}

export interface CatalogHarness {
  db: Knex;
  brokers: string[];
  /** Two sources of this run: a Stripe one and a GitHub one. */
  stripe: CatalogSource;
  github: CatalogSource;
  deliveriesTopic: string;
  consumerName: string;
  /** Writes envelopes to the source's topic as ingest does, each with a traceparent; returns them. */
  publish(source: CatalogSource, events: ReadonlyArray<Partial<WebhookEvent> & { key?: string }>): Promise<Published[]>;
  /** Writes hooklog.Delivery records to the deliveries topic, keyed by source. */
  publishDeliveries(deliveries: ReadonlyArray<Partial<Delivery> & { source: string }>): Promise<Delivery[]>;
  /** Starts the catalog consumer (stopped by `stop()` or `close()`). */
  start(options?: { payloadRetentionMs?: number }): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the consumer has committed everything written to its topics. */
  caughtUp(): Promise<void>;
  /** This run's rows of both tables, ordered, without cataloged_at (the time of projection, not of the event). */
  snapshot(): Promise<{ events: Array<Record<string, unknown>>; deliveries: Array<Record<string, unknown>> }>;
  close(): Promise<void>;
}

const randomHex = (bytes: number): string =>
  randomUUID()
    .replaceAll("-", "")
    .slice(0, bytes * 2);

export async function catalogHarness(): Promise<CatalogHarness> {
  const stack = await testStack();
  const brokers = stack.kafkaBrokers.split(",");
  const db = connectDatabase(stack.databaseUrl, { applicationName: "catalog-test" });
  await migrateLatest(db, [consumerKitMigrations, catalogMigrations]);
  const stripe: CatalogSource = { name: uniqueName("cat-stripe"), provider: "stripe", topic: uniqueName("webhooks.cat-stripe") };
  const github: CatalogSource = { name: uniqueName("cat-github"), provider: "github", topic: uniqueName("webhooks.cat-github") };
  const deliveriesTopic = uniqueName("hooklog.Delivery");
  const consumerName = uniqueName("catalog");
  const kafka = createKafka({ clientId: "catalog-test", brokers });
  await ensureTopics(kafka, [
    ...[stripe, github].map((source) => webhookTopicSpec({ topic: source.topic, partitions: 3, maxBodyBytes: MAX_SOURCE_BODY_BYTES })),
    // As the kit declares a domain topic it reads: six partitions, kept forever.
    { name: deliveriesTopic, partitions: 6, configs: KEEP_FOREVER },
  ]);
  const registry = new SchemaRegistryClient(stack.schemaRegistryUrl);
  const codecs = new Map<string, RecordCodec<WebhookEvent>>();
  for (const source of [stripe, github]) codecs.set(source.topic, await webhookEventCodec(registry, source.topic));
  const deliveryCodec = await createRecordCodec<Delivery>(registry, valueSubject(deliveriesTopic), latestSchema(DELIVERY).schema);
  const producer: LogProducer = createIdempotentProducer(kafka);
  await producer.connect();
  const logger = createLogger({ service: "catalog-test", level: "silent" });
  let running: RunningConsumer | undefined;
  const sources = [stripe.name, github.name];

  return {
    db,
    brokers,
    stripe,
    github,
    deliveriesTopic,
    consumerName,
    async publish(source, events) {
      const codec = codecs.get(source.topic);
      if (!codec) throw new Error(`no codec for ${source.topic}`);
      const published = events.map(({ key, ...partial }) => {
        const event: WebhookEvent = {
          id: randomUUID(),
          source: source.name,
          provider: source.provider,
          providerEventId: `evt_${randomHex(8)}`,
          type: "invoice.paid",
          providerTimestamp: null,
          receivedAt: Date.now(),
          origin: "webhook",
          verification: { scheme: `${source.provider}-v1`, secretIndex: 0 },
          contentType: "application/json",
          headers: {},
          payload: Buffer.from("{}"),
          ...partial,
        };
        return { event, key: key ?? event.providerEventId, traceId: randomHex(16) };
      });
      const messages = await Promise.all(
        published.map(async ({ event, key, traceId }) => ({
          key,
          value: await codec.encode(event),
          headers: { traceparent: `00-${traceId}-${randomHex(8)}-01` },
        })),
      );
      await producer.send({ topic: source.topic, acks: -1, messages });
      return published;
    },
    async publishDeliveries(partials) {
      const records = partials.map(
        (partial): Delivery => ({
          eventId: randomUUID(),
          receivedAt: Date.now(),
          requestId: randomUUID(),
          client: "127.0.0.1",
          outcome: "accepted",
          status: 202,
          reason: null,
          bodyBytes: 2,
          verificationScheme: null,
          secretIndex: null,
          verificationFailure: null,
          hubEventId: null,
          providerEventId: null,
          eventType: null,
          headers: {},
          ...partial,
        }),
      );
      const messages = await Promise.all(records.map(async (record) => ({ key: record.source, value: await deliveryCodec.encode(record) })));
      await producer.send({ topic: deliveriesTopic, acks: -1, messages });
      return records;
    },
    async start(options = {}) {
      running = await startConsumer(
        catalogConsumer({
          consumerName,
          sourceTopics: [stripe.topic, github.topic],
          deliveriesTopic,
          payloadRetentionMs: options.payloadRetentionMs ?? 30 * DAY_MS,
          retryBaseDelayMs: 200,
        }),
        { kafkaBrokers: brokers, schemaRegistryUrl: stack.schemaRegistryUrl, db, logger },
      );
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async caughtUp() {
      await eventually("the catalog to have committed every message", () => consumerCaughtUp(stack.kafkaBrokers, groupId(consumerName)), { timeoutMs: 60_000 });
    },
    async snapshot() {
      const events = await db("catalog_events")
        .whereIn("source", sources)
        .select(db.raw("to_jsonb(catalog_events) - 'cataloged_at' as row"))
        .orderBy("event_id");
      const deliveries = await db("catalog_deliveries")
        .whereIn("source", sources)
        .select(db.raw("to_jsonb(catalog_deliveries) - 'cataloged_at' as row"))
        .orderBy("delivery_id");
      return { events: events.map((each) => each.row), deliveries: deliveries.map((each) => each.row) };
    },
    async close() {
      await running?.stop();
      await producer.disconnect();
      await db("catalog_events").whereIn("source", sources).delete();
      await db("catalog_deliveries").whereIn("source", sources).delete();
      await db("processed_events").where({ consumer: consumerName }).delete();
      await db.destroy();
    },
  };
}

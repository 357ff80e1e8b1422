import type { Server } from "node:http";
import { operationsServer, type Readiness } from "@hooklog/lifecycle";
import { withServerSpans } from "@hooklog/telemetry";
import { connectDatabase, migrateLatest } from "@hooklog/db";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { providerModule } from "@hooklog/providers";
import { EventAppender, EventLogWriter, createSideRecordProducer, eventLogMigrations, type BatchTiming } from "@hooklog/event-log";
import type { SourceConfig } from "@hooklog/sources";
import { createApp, ingestRoute } from "./app.ts";
import { ClientBudget } from "./client-budget.ts";
import type { IngestConfig } from "./config.ts";
import type { IngestSource } from "./ingest.ts";
import { DeliveryLog } from "./delivery-log.ts";
import { createIngestMetrics, observePendingBytes, observeProduceRequests, type IngestMetrics } from "./metrics.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { RejectionLog } from "./rejection-log.ts";
import { createPublicServer } from "./server.ts";
import { TopicWatch } from "./topic-watch.ts";

/** Delivery records waiting for a produce request, and how long one waits for events to ride with. */
const DELIVERY_QUEUE_MAX = 10_000;
const DELIVERY_LINGER_MS = 20;

export interface IngestService {
  /** The public port's server (webhooks, /healthz), with its limits set; not listening yet. */
  server: Server;
  /** The operations port's server (/healthz, /readyz, /metrics); not listening yet. */
  operations: Server;
  /** Connects the producer; call before listening. */
  start(): Promise<void>;
  /** Waits for in-flight events, flushes the producer, closes connections. */
  stop(): Promise<void>;
}

/** Wires ingest from its config: the app and everything it needs, nothing listening yet. */
export function createIngestService(config: IngestConfig, logger: Logger): IngestService {
  const kafka = createKafka({
    clientId: "hooklog-ingest",
    brokers: config.KAFKA_BROKERS,
    logger,
    // A request is waiting; INGEST_PRODUCE_TIMEOUT_MS answers 503 first if Kafka stays away.
    requestTimeoutMs: 5000,
  });
  const producer = createIdempotentProducer(kafka);
  // Delivery records sent alone have a producer of their own: they never hold up an event's answer.
  const deliveryProducer = createSideRecordProducer(kafka);
  const registry = new SchemaRegistryClient(config.SCHEMA_REGISTRY_URL);
  // Ingest writes only the dedup ledger: a row lost in a Postgres crash costs at most one duplicate
  // later (Kafka holds the events), so its commits need not wait for the disk.
  const db = connectDatabase(config.DATABASE_URL, { applicationName: "hooklog-ingest", poolMax: 10, synchronousCommit: false });
  const metrics = createIngestMetrics();
  // The writer tells the delivery log what became of the records it took; the log queues them in the writer.
  let deliveries: DeliveryLog | undefined;
  const writer = new EventLogWriter({
    db,
    producer,
    retentionHours: config.INGEST_DEDUP_RETENTION_HOURS,
    maxBatch: config.INGEST_BATCH_MAX,
    maxBatchBytes: config.INGEST_BATCH_MAX_BYTES,
    maxPendingBytes: config.INGEST_MAX_PENDING_BYTES,
    onBatch: (batch) => observeBatch(metrics, batch),
    onLedgerError: (error, entries) =>
      logger.error({ err: error, events: entries.length }, "events are in Kafka but the dedup ledger write failed; a redelivery may be written twice"),
    sideRecords: {
      // Metadata: a few seconds of a busy hub at most, then records are counted, not held.
      producer: deliveryProducer,
      maxQueued: DELIVERY_QUEUE_MAX,
      lingerMs: DELIVERY_LINGER_MS,
      onSettled: (records, error) => deliveries?.settled(records, error),
    },
  });
  observePendingBytes(metrics, () => writer.pendingBytes);
  observeProduceRequests(metrics, () => writer.produceRequests);
  const sources = ingestSources(config.sources);
  const admin = kafka.admin();
  const topics = new TopicWatch(admin, config.sources, logger);
  const deliveryLog = new DeliveryLog({
    queue: (record) => writer.addSideRecord(record),
    registry,
    admin,
    topic: config.INGEST_DELIVERY_TOPIC,
    ratePerSecond: config.INGEST_DELIVERY_LOG_RATE,
    metrics,
    logger,
  });
  deliveries = deliveryLog;
  let purgeTimer: NodeJS.Timeout | undefined;

  const appender = new EventAppender({ writer, registry });
  const rejections = new RejectionLog(logger, config.INGEST_REJECTION_LOG_SECONDS);
  const app = createApp({
    sources,
    appender,
    writer,
    metrics,
    logger,
    topics,
    produceTimeoutMs: config.INGEST_PRODUCE_TIMEOUT_MS,
    clientBudget: new ClientBudget({ perSecond: config.INGEST_UNVERIFIED_PER_CLIENT_PER_SECOND, burst: config.INGEST_UNVERIFIED_BURST }),
    rejections,
    trustProxy: config.INGEST_TRUST_PROXY,
    maxHeaders: config.INGEST_MAX_HEADERS,
    deliveries: deliveryLog,
  });
  // Ingest makes its own server spans (package.json turns the http instrumentation off): see withServerSpans.
  const server = createPublicServer(withServerSpans(app, { route: ingestRoute }), {
    headersTimeoutMs: config.INGEST_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.INGEST_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.INGEST_KEEP_ALIVE_TIMEOUT_MS,
    maxHeaderBytes: config.INGEST_MAX_HEADER_BYTES,
    maxHeaders: config.INGEST_MAX_HEADERS,
  });
  const operations = operationsServer({
    registry: metrics.registry,
    ready: readinessCheck(topics, registry.url),
    onError: (error, route) => logger.error({ err: error, route }, "operations request failed"),
  });

  return {
    server,
    operations,
    async start() {
      await migrateLatest(db, [eventLogMigrations]);
      await producer.connect();
      await admin.connect();
      // A source whose topic is missing is logged and answered 503; the other sources start regardless.
      await topics.refresh();
      await topics.refreshLimits();
      // Warm the codecs so the first request does not pay for registration; failures retry lazily.
      await Promise.allSettled([...sources.values()].map(async (source) => appender.codec(source.config.topic)));
      await deliveryLog.start();
      purgeTimer = purgeHourly(writer, logger);
    },
    async stop() {
      clearInterval(purgeTimer);
      rejections.stop();
      // Drained first: the last requests' delivery records go with it.
      await writer.drain();
      deliveryLog.stop();
      await Promise.all([producer.disconnect(), deliveryProducer.disconnect()]);
      // After the drain: a failed send in it may still ask the watch to look.
      await topics.stop();
      await admin.disconnect();
      await db.destroy();
    },
  };
}

/** Each configured source with its provider module and the verifier built from its secrets. */
function ingestSources(configs: readonly SourceConfig[]): Map<string, IngestSource> {
  return new Map(
    configs.map((source) => {
      const provider = providerModule(source.provider);
      const rateLimiter = source.rateLimit ? new RateLimiter(source.rateLimit) : undefined;
      return [source.name, { config: source, provider, verifier: provider.createVerifier(source), rateLimiter }];
    }),
  );
}

/** One batch the writer sent: its size, and how long each phase took (send and record only when it sent anything). */
function observeBatch(metrics: IngestMetrics, batch: BatchTiming): void {
  if (batch.sent > 0) metrics.batchSize.observe(batch.sent);
  metrics.batchPhase.observe({ phase: "lookup" }, batch.lookupSeconds);
  if (batch.sent > 0) {
    metrics.batchPhase.observe({ phase: "send" }, batch.sendSeconds);
    metrics.batchPhase.observe({ phase: "record" }, batch.recordSeconds);
  }
}

/** What /readyz asks: Kafka and the registry answer, and which source topics are missing. */
function readinessCheck(topics: TopicWatch, registryUrl: string): () => Promise<Readiness> {
  return async () => {
    const [kafkaOk, registryOk] = await Promise.all([
      // One metadata request says both that Kafka answers and which source topics it lacks.
      topics.refresh().then(
        () => true,
        () => false,
      ),
      fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      ),
    ]);
    const missingTopics = topics.missing();
    const checks = { kafka: kafkaOk, registry: registryOk, topics: missingTopics.length === 0 };
    const ready = checks.kafka && checks.registry && checks.topics;
    return { ready, body: { status: ready ? "ready" : "not ready", checks, ...(missingTopics.length > 0 ? { missingTopics } : {}) } };
  };
}

/** Drops dedup ids past their retention once an hour; a failure waits for the next hour. */
function purgeHourly(writer: EventLogWriter, logger: Logger): NodeJS.Timeout {
  return setInterval(
    () => {
      writer.purge().catch((error: unknown) => logger.warn({ err: error }, "purging old deduplication ids failed; will retry"));
    },
    60 * 60 * 1000,
  ).unref();
}

import type { SideRecord } from "@hooklog/event-log";
import { createRecordCodec, isUnknownTopicError, valueSubject, type Admin, type RecordCodec, type SchemaRegistryClient } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { DELIVERY, type Delivery, latestSchema } from "@hooklog/schemas";
import type { IngestMetrics } from "./metrics.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { TOPIC_RECHECK_MS } from "./topic-watch.ts";

export type DropReason = "rate" | "queue_full" | "write_failed";

export interface DeliveryLogDeps {
  /** The event-log writer's side-record queue: records ride in its produce requests. */
  queue: (record: SideRecord) => boolean;
  registry: SchemaRegistryClient;
  admin: Admin;
  topic: string;
  /** Records per second per source, and as many at once; past it they are counted, not written. */
  ratePerSecond: number;
  metrics: IngestMetrics;
  logger: Logger;
}

/**
 * The deliveries topic's writer: one record per inbound request, never awaited by it. Records are
 * encoded and handed to the event-log writer, which sends them with its next batch of events (or
 * alone after a short linger); a failure is counted and logged once, and never reaches an answer.
 * Records are keyed by source, so one source's deliveries keep their order.
 */
export class DeliveryLog {
  readonly #deps: DeliveryLogDeps;
  readonly #buckets = new Map<string, RateLimiter>();
  #codec: RecordCodec<Delivery> | undefined;
  #registering: Promise<void> | undefined;
  /** Undefined until Kafka's topic list was read; while false, records are dropped, not sent. */
  #topicExists: boolean | undefined;
  #checking: Promise<void> | undefined;
  #recheck: NodeJS.Timeout | undefined;
  /** A write failure was logged and no record was written since: the outage is logged once. */
  #failing = false;
  #stopped = false;

  constructor(deps: DeliveryLogDeps) {
    this.#deps = deps;
  }

  /** Registers the schema and looks for the topic; neither failure stops ingest (records are dropped meanwhile). */
  async start(): Promise<void> {
    await Promise.all([this.#register(), this.#checkTopic()]);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recheck);
  }

  /**
   * Records `delivery` (queued, not awaited). `charged`: its rate token was already taken (by a receipt
   * that did not go), so it is not charged twice.
   */
  record(delivery: Delivery, options: { charged?: boolean } = {}): void {
    if (!options.charged && !this.#allowed(delivery.source)) return;
    const codec = this.#ready(delivery.source);
    if (!codec) return;
    codec.encode(delivery).then(
      (value) => this.#queue({ topic: this.#deps.topic, key: delivery.source, value }),
      (error: unknown) => this.#failed([delivery.source], error),
    );
  }

  /**
   * The record of an accepted delivery, to travel in its event's own produce request; undefined when
   * it cannot (rate, no schema, no topic: then the delivery is recorded as any other, or counted).
   */
  async receipt(delivery: Delivery): Promise<SideRecord | undefined> {
    const codec = this.#ready(delivery.source, { count: false });
    // Nothing counted here: a delivery without a receipt is recorded as any other, and counted there.
    if (!codec || !this.#allowed(delivery.source, { count: false })) return undefined;
    try {
      return { topic: this.#deps.topic, key: delivery.source, value: await codec.encode(delivery) };
    } catch (error) {
      this.#failed([delivery.source], error);
      return undefined;
    }
  }

  /** Whether `source` had a rate token; a record without one is counted (unless `count` is false). */
  #allowed(source: string, { count = true } = {}): boolean {
    let bucket = this.#buckets.get(source);
    if (!bucket) {
      bucket = new RateLimiter({ requestsPerSecond: this.#deps.ratePerSecond, burst: Math.max(1, Math.ceil(this.#deps.ratePerSecond)) });
      this.#buckets.set(source, bucket);
    }
    if (bucket.take().allowed) return true;
    if (count) this.#dropped(source, "rate");
    return false;
  }

  /** The codec when records can be written now; else the record is counted as failed (unless `count` is false). */
  #ready(source: string, { count = true } = {}): RecordCodec<Delivery> | undefined {
    if (this.#codec && this.#topicExists === true) return this.#codec;
    if (!this.#codec) void this.#register();
    if (count) this.#dropped(source, "write_failed");
    return undefined;
  }

  /** The writer's word on records it took: written, or failed with the send's error. */
  settled(records: readonly SideRecord[], error: unknown): void {
    if (error === undefined) {
      for (const record of records) this.#deps.metrics.deliveryRecordsWritten.inc({ source: record.key });
      if (this.#failing) this.#deps.logger.info({ topic: this.#deps.topic }, "delivery records are written again");
      this.#failing = false;
      return;
    }
    this.#failed(
      records.map((record) => record.key),
      error,
    );
    // The request may have failed for another topic: Kafka's topic list says whether ours is gone.
    if (isUnknownTopicError(error)) void this.#checkTopic();
  }

  #queue(record: SideRecord): void {
    if (!this.#deps.queue(record)) this.#dropped(record.key, "queue_full");
  }

  #dropped(source: string, reason: DropReason): void {
    this.#deps.metrics.deliveryRecordsDropped.inc({ source, reason });
  }

  #failed(sources: readonly string[], error: unknown): void {
    for (const source of sources) this.#dropped(source, "write_failed");
    if (this.#failing) return;
    this.#failing = true;
    this.#deps.logger.error(
      { err: error, topic: this.#deps.topic },
      "delivery records could not be written; events are not affected. Dropped records are counted in hooklog_ingest_delivery_records_dropped_total",
    );
  }

  #register(): Promise<void> {
    this.#registering ??= createRecordCodec<Delivery>(this.#deps.registry, valueSubject(this.#deps.topic), latestSchema(DELIVERY).schema).then(
      (codec) => {
        this.#codec = codec;
      },
      (error: unknown) => {
        // Tried again by the next record.
        this.#registering = undefined;
        this.#failed([], error);
      },
    );
    return this.#registering;
  }

  #checkTopic(): Promise<void> {
    this.#checking ??= this.#deps.admin
      .fetchTopicMetadata()
      .then(
        ({ topics }) => {
          const found = topics.find((topic) => topic.name === this.#deps.topic);
          const exists = found !== undefined && found.partitions.length > 0 && found.partitions.every((partition) => partition.leader >= 0);
          if (!exists && this.#topicExists !== false) {
            this.#deps.logger.error(
              { topic: this.#deps.topic },
              `topic ${this.#deps.topic} does not exist: delivery records are dropped (and counted) until it does; events are accepted as ever. ` +
                "`npm start` creates it, or use the cluster's own tooling.",
            );
          } else if (exists && this.#topicExists === false)
            this.#deps.logger.info({ topic: this.#deps.topic }, `topic ${this.#deps.topic} exists now: delivery records are written`);
          this.#topicExists = exists;
        },
        (error: unknown) => this.#deps.logger.warn({ err: error, topic: this.#deps.topic }, "looking for the deliveries topic failed; will retry"),
      )
      .finally(() => {
        this.#checking = undefined;
        clearTimeout(this.#recheck);
        // Looked for again while missing (or unknown), so records resume without a restart.
        if (this.#topicExists !== true && !this.#stopped) this.#recheck = setTimeout(() => void this.#checkTopic(), TOPIC_RECHECK_MS).unref();
      });
    return this.#checking;
  }
}

import { EVENT_HEADERS, type RecordCodec, type SchemaRegistryClient } from "@hooklog/kafka";
import { webhookEventCodec, type EventOrigin, type WebhookEvent } from "@hooklog/schemas";
import { SpanKind, SpanStatusCode, injectTraceHeaders, trace, type Context } from "@hooklog/telemetry";
import { newEventId } from "./event-id.ts";
import type { SideRecord } from "./side-records.ts";
import type { EventLogWriter, WriteOutcome } from "./writer.ts";

/** An event as its writer knows it: where it goes, what its provider says of it, how it arrived. */
export interface NewEvent {
  source: { name: string; provider: string; topic: string };
  providerEventId: string;
  type: string;
  /** Epoch ms, or null when the provider does not state it. */
  providerTimestamp: number | null;
  /** The entity the event is about: its events share a partition and keep their order. */
  partitionKey: string;
  /** The signed content's digest, when the signature does not cover providerEventId: a second dedup key. */
  replayDigest?: string | undefined;
  origin: EventOrigin;
  verification: WebhookEvent["verification"];
  contentType: string;
  /** The audit headers the provider module kept. */
  headers: Record<string, string>;
  payload: Buffer;
  /** Epoch ms. */
  receivedAt: number;
  /** The producer span's parent: the POST's span, or the reconciliation run's. */
  parent: Context;
  /**
   * A side record to send in the event's own produce request, should the event be written (not a
   * duplicate), built once the event has its id: ingest's delivery record of an accepted request.
   */
  receipt?: ((event: WebhookEvent) => Promise<SideRecord | undefined>) | undefined;
}

/**
 * `sent`: the record is in the group commit, and `written` settles when Kafka acknowledged it (or the
 * ledger already held it). `too_large`: the encoded record is over `maxRecordBytes`; nothing was sent.
 */
export type Appended = { kind: "sent"; event: WebhookEvent; written: Promise<WriteOutcome> } | { kind: "too_large"; event: WebhookEvent };

export interface AppendOptions {
  /** Withdraws the record while it still waits for its batch. */
  signal?: AbortSignal;
  /** The topic's max.message.bytes, when known: a larger record is refused before it joins a batch. */
  maxRecordBytes?: number;
}

// The record batch and record framing, and the Kafka headers, around the encoded envelope.
const RECORD_OVERHEAD_BYTES = 512;

const tracer = trace.getTracer("hooklog-event-log");

/**
 * The one way an event enters the log, for ingest and reconciliation alike: it builds the WebhookEvent
 * envelope, encodes it with the topic's registered schema, starts the producer span, carries the trace
 * context in the record's headers, and hands the record to the writer's group commit.
 */
export class EventAppender {
  readonly #writer: EventLogWriter;
  readonly #registry: SchemaRegistryClient;
  readonly #codecs = new Map<string, RecordCodec<WebhookEvent>>();
  readonly #registering = new Map<string, Promise<RecordCodec<WebhookEvent>>>();

  constructor(deps: { writer: EventLogWriter; registry: SchemaRegistryClient }) {
    this.#writer = deps.writer;
    this.#registry = deps.registry;
  }

  /**
   * The topic's codec: at once once registered (no promise on the hot path), else the registration
   * in progress. A failed registration is tried again on the next call.
   */
  codec(topic: string): RecordCodec<WebhookEvent> | Promise<RecordCodec<WebhookEvent>> {
    const registered = this.#codecs.get(topic);
    if (registered) return registered;
    let registering = this.#registering.get(topic);
    if (!registering) {
      registering = webhookEventCodec(this.#registry, topic).then(
        (codec) => {
          this.#codecs.set(topic, codec);
          return codec;
        },
        (error: unknown) => {
          this.#registering.delete(topic);
          throw error;
        },
      );
      this.#registering.set(topic, registering);
    }
    return registering;
  }

  async append(input: NewEvent, options: AppendOptions = {}): Promise<Appended> {
    const { source } = input;
    const event: WebhookEvent = {
      id: newEventId(input.receivedAt),
      source: source.name,
      provider: source.provider,
      providerEventId: input.providerEventId,
      type: input.type,
      providerTimestamp: input.providerTimestamp,
      receivedAt: input.receivedAt,
      origin: input.origin,
      verification: input.verification,
      contentType: input.contentType,
      headers: input.headers,
      payload: input.payload,
    };
    const value = await (await this.codec(source.topic)).encode(event);
    if (options.maxRecordBytes !== undefined && value.length + input.partitionKey.length + RECORD_OVERHEAD_BYTES > options.maxRecordBytes) {
      return { kind: "too_large", event };
    }
    // One producer span per event, carried in the event's own headers: the batch it travels in is
    // shared with other events, of other requests.
    const span = tracer.startSpan(
      `publish ${source.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.destination.name": source.topic,
          "hooklog.event_id": event.id,
          "hooklog.provider_event_id": event.providerEventId,
          "hooklog.origin": event.origin,
        },
      },
      input.parent,
    );
    const headers = injectTraceHeaders({ [EVENT_HEADERS.eventId]: event.id, [EVENT_HEADERS.eventType]: event.type }, trace.setSpan(input.parent, span));
    const receipt = await input.receipt?.(event);
    const entry = {
      source: event.source,
      providerEventId: event.providerEventId,
      ...(input.replayDigest === undefined ? {} : { replayDigest: input.replayDigest }),
      eventId: event.id,
      origin: event.origin,
      topic: source.topic,
      key: input.partitionKey,
      value,
      headers,
      ...(receipt === undefined ? {} : { receipt }),
    };
    const written = this.#writer.write(entry, options.signal);
    written.then(
      (outcome) => {
        span.setAttribute("hooklog.duplicate", outcome === "duplicate");
        span.end();
      },
      (error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        span.end();
      },
    );
    return { kind: "sent", event, written };
  }
}

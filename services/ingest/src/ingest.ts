import { ROOT_CONTEXT, SpanKind, SpanStatusCode, injectTraceHeaders, trace, type Span } from "@hooklog/telemetry";
import type { RecordCodec } from "@hooklog/kafka";
import type { WebhookEvent } from "@hooklog/schemas";
import type { SourceConfig } from "@hooklog/sources";
import type { ProviderModule, VerificationFailureReason, Verifier } from "@hooklog/providers";
import type { Logger } from "@hooklog/logging";
import { EventLogError, newEventId, type EventLogWriter } from "@hooklog/event-log";
import { isUnknownTopicError } from "@hooklog/kafka";
import type { IngestMetrics } from "./metrics.ts";
import { rejected, type IngestOutcome } from "./outcome.ts";
import { TOPIC_RECHECK_MS, type TopicWatch } from "./topic-watch.ts";

export interface IngestSource {
  config: SourceConfig;
  /** All ingest knows of the source's provider: its scheme, its facts, its audit headers. */
  provider: ProviderModule;
  verifier: Verifier;
  /** Lazily registered with the registry (a promise until then); a failure is retried on the next request. */
  codec: () => RecordCodec<WebhookEvent> | Promise<RecordCodec<WebhookEvent>>;
}

export interface IngestDeps {
  writer: EventLogWriter;
  metrics: IngestMetrics;
  logger: Logger;
  /** Source topics Kafka lacks: their requests are answered at once, without a produce. */
  topics: Pick<TopicWatch, "isMissing" | "confirmMissing" | "maxMessageBytes" | "refreshLimits">;
  produceTimeoutMs: number;
  now?: () => Date;
}

export interface WebhookRequest {
  rawBody: Buffer;
  headers: Readonly<Record<string, string | undefined>>;
  contentType: string;
  requestId: string;
  /** The request's server span: the event's producer span is its child. */
  span: Span | undefined;
}

const SIGNATURE_STATUS: Record<VerificationFailureReason, 400 | 401> = {
  missing_signature: 401,
  signature_mismatch: 401,
  malformed_signature: 400,
  timestamp_too_old: 400,
  timestamp_in_future: 400,
};

const tracer = trace.getTracer("hooklog-ingest");

/** What `promise` settled to within `ms`: its value, `{ error }` if it rejected, or "timeout". */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout" | { error: unknown }> {
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
  return Promise.race([promise, timeout]).catch((error: unknown) => ({ error }));
}

const REGISTRY_UNAVAILABLE: IngestOutcome = {
  kind: "unavailable",
  code: "registry_unavailable",
  message: "The schema registry cannot take the event now; retry later.",
  retryAfterSeconds: 5,
};
const KAFKA_UNAVAILABLE: IngestOutcome = { kind: "unavailable", code: "kafka_unavailable", message: "Kafka cannot take the event now; retry later.", retryAfterSeconds: 5 };
const LEDGER_UNAVAILABLE: IngestOutcome = {
  kind: "unavailable",
  code: "ledger_unavailable",
  message: "The deduplication ledger cannot be read now, so the event was not written; retry later.",
  retryAfterSeconds: 5,
};
/** More events are waiting for Kafka than ingest may hold (INGEST_MAX_PENDING_BYTES). */
export const OVERLOADED: IngestOutcome = { kind: "unavailable", code: "overloaded", message: "Ingest holds as many events as it may while Kafka catches up; retry later.", retryAfterSeconds: 5 };
const recordTooLarge = (topic: string): IngestOutcome =>
  rejected(413, "record_too_large", `The event is larger than topic ${topic} takes (its max.message.bytes); Kafka will never accept it. An operator must raise the topic's limit.`);
// The record batch and record framing, and the Kafka headers, around the encoded envelope.
const RECORD_OVERHEAD_BYTES = 512;
const topicMissing = (topic: string): IngestOutcome => ({
  kind: "unavailable",
  code: "topic_missing",
  message: `Topic ${topic}, where this source's events are written, does not exist yet; retry later.`,
  retryAfterSeconds: TOPIC_RECHECK_MS / 1000,
});

/** Verify, deduplicate, write to Kafka; never answers accepted before the broker has acknowledged. */
export async function ingestWebhook(source: IngestSource, request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  // SREs find the event by these attributes on the POST's span.
  const { span } = request;
  span?.setAttributes({ "hooklog.source": source.config.name, "hooklog.provider": source.config.provider });

  const verification = source.verifier.verify({ rawBody: request.rawBody, headers: request.headers }, deps.now?.());
  span?.setAttribute("hooklog.verification", verification.ok ? `ok:${verification.scheme}` : verification.reason);
  if (!verification.ok) return rejected(SIGNATURE_STATUS[verification.reason], verification.reason, verification.message);

  const facts = source.provider.eventFacts({ rawBody: request.rawBody, headers: request.headers, contentType: request.contentType }, source.config);
  if (!facts.ok) return rejected(400, "malformed_payload", facts.message);
  const { providerEventId, type, providerTimestamp, partitionKey } = facts.facts;
  span?.setAttributes({ "hooklog.provider_event_id": providerEventId, "hooklog.event_type": type });

  if (source.config.eventTypes && !source.config.eventTypes.includes(type)) return { kind: "ignored", type };
  if (deps.topics.isMissing(source.config.topic)) return topicMissing(source.config.topic);

  const codec = await registeredCodec(source, deps, request);
  if (!codec) return REGISTRY_UNAVAILABLE;

  const receivedAt = deps.now?.().getTime() ?? Date.now();
  const event: WebhookEvent = {
    id: newEventId(receivedAt),
    source: source.config.name,
    provider: source.config.provider,
    providerEventId,
    type,
    providerTimestamp,
    receivedAt,
    origin: "webhook",
    verification: { scheme: verification.scheme, secretIndex: verification.secretIndex },
    contentType: request.contentType,
    headers: source.provider.auditHeaders(request.headers, source.config),
    payload: request.rawBody,
  };
  const outcome = await write(source, event, partitionKey, codec, deps, request);
  if (outcome.kind === "accepted") span?.setAttribute("hooklog.event_id", outcome.eventId);
  return outcome;
}

/**
 * The source's codec: at once once registered; until then a registry that does not answer is waited
 * for no longer than Kafka would be. Undefined (and logged) when the registry cannot register it now.
 */
async function registeredCodec(source: IngestSource, deps: IngestDeps, request: WebhookRequest): Promise<RecordCodec<WebhookEvent> | undefined> {
  const registered = source.codec();
  if (!(registered instanceof Promise)) return registered;
  const settled = await within(registered, deps.produceTimeoutMs);
  if (settled !== "timeout" && !("error" in settled)) return settled;
  deps.logger.error(
    { err: settled === "timeout" ? undefined : settled.error, source: source.config.name, requestId: request.requestId },
    settled === "timeout" ? "schema registry did not answer in time" : "schema registry unavailable",
  );
  return undefined;
}

async function write(
  source: IngestSource,
  event: WebhookEvent,
  partitionKey: string,
  codec: RecordCodec<WebhookEvent>,
  deps: IngestDeps,
  request: WebhookRequest,
): Promise<IngestOutcome> {
  const topic = source.config.topic;
  const value = await codec.encode(event);
  // A topic an operator set below the source's limit: refused before the event joins a batch.
  const limit = deps.topics.maxMessageBytes(topic);
  if (limit !== undefined && value.length + partitionKey.length + RECORD_OVERHEAD_BYTES > limit) return recordTooLarge(topic);

  // One producer span per event, child of the request, carried in the event's own headers: the batch
  // the event travels in is shared with other requests' events.
  const requestContext = request.span ? trace.setSpan(ROOT_CONTEXT, request.span) : ROOT_CONTEXT;
  const producerSpan = tracer.startSpan(
    `publish ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: { "messaging.system": "kafka", "messaging.destination.name": topic, "hooklog.event_id": event.id } },
    requestContext,
  );
  const headers = injectTraceHeaders({ "hooklog-event-id": event.id, "hooklog-event-type": event.type }, trace.setSpan(requestContext, producerSpan));
  const started = performance.now();
  // Answered 503 by the timeout below, an event still queued is withdrawn (it holds memory, and the
  // provider will send it again); one already sent may still be acknowledged, and a late
  // acknowledgement records it in the ledger, so the provider's retry is answered as a duplicate.
  const withdraw = new AbortController();
  const written = deps.writer.write(
    { source: event.source, providerEventId: event.providerEventId, eventId: event.id, origin: event.origin, topic, key: partitionKey, value, headers },
    withdraw.signal,
  );
  void written.then(
    (outcome) => {
      if (outcome === "written") deps.metrics.produceLatency.observe((performance.now() - started) / 1000);
      producerSpan.setAttribute("hooklog.duplicate", outcome === "duplicate");
      producerSpan.end();
    },
    (error: unknown) => {
      // Also when the request was already answered (timeout): later requests are then answered at once.
      if (isUnknownTopicError(error)) void deps.topics.confirmMissing(topic);
      producerSpan.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      producerSpan.end();
    },
  );
  const result = await within(written, deps.produceTimeoutMs);
  if (result === "written") return { kind: "accepted", eventId: event.id };
  if (result === "duplicate") return { kind: "duplicate", providerEventId: event.providerEventId };
  if (result === "timeout") withdraw.abort();
  else if (result.error instanceof EventLogError && result.error.code === "overloaded") return OVERLOADED;
  else if (result.error instanceof EventLogError && result.error.code === "ledger_unavailable") {
    deps.logger.error({ err: result.error, source: event.source, eventId: event.id, requestId: request.requestId }, "the deduplication ledger could not be read: the event was not written");
    return LEDGER_UNAVAILABLE;
  }
  else if (result.error instanceof EventLogError && result.error.code === "record_too_large") {
    // The topic's limit changed under us: learn it, so the next such event is refused before a batch.
    deps.topics.refreshLimits().catch((error: unknown) => deps.logger.warn({ err: error, topic }, "reading the topic's max.message.bytes failed"));
    return recordTooLarge(topic);
  }
  // Kafka answered, and the topic is what is missing: the watch has logged it, once.
  else if (isUnknownTopicError(result.error) && (await deps.topics.confirmMissing(topic))) return topicMissing(topic);
  deps.logger.error(
    { err: result === "timeout" ? undefined : result.error, source: event.source, eventId: event.id, requestId: request.requestId },
    result === "timeout" ? "Kafka did not acknowledge in time" : "the event could not be written to Kafka",
  );
  return KAFKA_UNAVAILABLE;
}

import { SpanKind, SpanStatusCode, context, injectTraceHeaders, trace } from "@hooklog/telemetry";
import type { RecordCodec } from "@hooklog/kafka";
import type { WebhookEvent } from "@hooklog/schemas";
import type { SourceConfig } from "@hooklog/sources";
import type { VerificationFailureReason, Verifier } from "@hooklog/webhook-signatures";
import type { Logger } from "@hooklog/logging";
import { newEventId, type BatchPublisher, type DedupLedger } from "@hooklog/event-log";
import { auditHeaders } from "./audit-headers.ts";
import { eventFacts } from "./event-facts.ts";
import type { IngestMetrics } from "./metrics.ts";
import { rejected, type IngestOutcome } from "./outcome.ts";

export interface IngestSource {
  config: SourceConfig;
  verifier: Verifier;
  /** Lazily registered with the registry; a failure is retried on the next request. */
  codec: () => Promise<RecordCodec<WebhookEvent>>;
}

export interface IngestDeps {
  publisher: BatchPublisher;
  ledger: DedupLedger;
  metrics: IngestMetrics;
  logger: Logger;
  produceTimeoutMs: number;
  now?: () => Date;
}

export interface WebhookRequest {
  rawBody: Buffer;
  headers: Readonly<Record<string, string | undefined>>;
  contentType: string;
  requestId: string;
}

const SIGNATURE_STATUS: Record<VerificationFailureReason, 400 | 401> = {
  missing_signature: 401,
  signature_mismatch: 401,
  malformed_signature: 400,
  timestamp_too_old: 400,
  timestamp_in_future: 400,
};

const tracer = trace.getTracer("hooklog-ingest");

/**
 * Verified deliveries in flight, by (source, provider event id): a concurrent redelivery waits for the
 * first copy's outcome instead of racing it into the log.
 */
const inFlight = new Map<string, Promise<IngestOutcome>>();

function timeout(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
}

/** Verify, deduplicate, write to Kafka; never answers accepted before the broker has acknowledged. */
export async function ingestWebhook(source: IngestSource, request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  const span = trace.getActiveSpan();
  span?.setAttributes({ "hooklog.source": source.config.name, "hooklog.provider": source.config.provider });

  const verification = source.verifier.verify({ rawBody: request.rawBody, headers: request.headers }, deps.now?.());
  span?.setAttribute("hooklog.verification", verification.ok ? `ok:${verification.scheme}` : verification.reason);
  if (!verification.ok) return rejected(SIGNATURE_STATUS[verification.reason], verification.reason, verification.message);

  const facts = eventFacts(source.config, request.rawBody, request.headers, request.contentType);
  if (!facts.ok) return rejected(400, "malformed_payload", facts.message);
  const { providerEventId, type, providerTimestamp, partitionKey } = facts.facts;
  span?.setAttributes({ "hooklog.provider_event_id": providerEventId, "hooklog.event_type": type });

  if (source.config.eventTypes && !source.config.eventTypes.includes(type)) return { kind: "ignored", type };

  const key = `${source.config.name}\u0000${providerEventId}`;
  const earlier = inFlight.get(key);
  if (earlier) {
    const first = await earlier;
    if (first.kind === "accepted" || first.kind === "duplicate") return { kind: "duplicate", providerEventId };
  }
  const attempt = (async (): Promise<IngestOutcome> => {
    if (await deps.ledger.isAccepted(source.config.name, providerEventId)) return { kind: "duplicate", providerEventId };

    let codec: RecordCodec<WebhookEvent>;
    try {
      codec = await source.codec();
    } catch (error) {
      deps.logger.error({ err: error, source: source.config.name, requestId: request.requestId }, "schema registry unavailable");
      return { kind: "unavailable", code: "registry_unavailable", message: "The schema registry cannot take the event now; retry later.", retryAfterSeconds: 5 };
    }

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
      headers: auditHeaders(request.headers),
      payload: request.rawBody,
    };
    span?.setAttribute("hooklog.event_id", event.id);
    return publish(source, event, partitionKey, codec, deps, request.requestId);
  })();
  inFlight.set(key, attempt);
  try {
    return await attempt;
  } finally {
    inFlight.delete(key);
  }
}

async function publish(
  source: IngestSource,
  event: WebhookEvent,
  partitionKey: string,
  codec: RecordCodec<WebhookEvent>,
  deps: IngestDeps,
  requestId: string,
): Promise<IngestOutcome> {
  // One producer span per event, child of the request, carried in the event's own headers: the batch
  // the event travels in is shared with other requests' events.
  const producerSpan = tracer.startSpan(`publish ${source.config.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: { "messaging.system": "kafka", "messaging.destination.name": source.config.topic, "hooklog.event_id": event.id },
  });
  const headers = injectTraceHeaders({ "hooklog-event-id": event.id, "hooklog-event-type": event.type }, trace.setSpan(context.active(), producerSpan));
  const started = performance.now();
  const sent = deps.publisher.publish({ topic: source.config.topic, key: partitionKey, value: await codec.encode(event), headers });
  const acknowledged = sent.then(async () => {
    deps.metrics.produceLatency.observe((performance.now() - started) / 1000);
    producerSpan.end();
    // Recorded only now that the event is durable. A late ack (after a 503) is recorded too, so the
    // provider's retry is then answered as a duplicate.
    await deps.ledger.record({ source: event.source, providerEventId: event.providerEventId, eventId: event.id, topic: source.config.topic, origin: event.origin }).catch((error: unknown) => {
      deps.logger.error({ err: error, source: event.source, eventId: event.id }, "event is in Kafka but the dedup ledger write failed; a redelivery may be written twice");
    });
    return "acknowledged" as const;
  });
  const result = await Promise.race([acknowledged, timeout(deps.produceTimeoutMs)]).catch((error: unknown) => error);
  if (result === "acknowledged") return { kind: "accepted", eventId: event.id };

  producerSpan.setStatus({ code: SpanStatusCode.ERROR, message: result === "timeout" ? "produce timed out" : String(result) });
  if (result === "timeout") void acknowledged.catch(() => producerSpan.end());
  else producerSpan.end();
  deps.logger.error({ err: result === "timeout" ? undefined : result, source: event.source, eventId: event.id, requestId }, result === "timeout" ? "Kafka did not acknowledge in time" : "Kafka refused the event");
  return { kind: "unavailable", code: "kafka_unavailable", message: "Kafka cannot take the event now; retry later.", retryAfterSeconds: 5 };
}

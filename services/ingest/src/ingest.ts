import { ROOT_CONTEXT, trace, type Span } from "@hooklog/telemetry";
import type { SourceConfig } from "@hooklog/sources";
import type { ProviderModule, VerificationFailureReason, Verifier } from "@hooklog/providers";
import type { Logger } from "@hooklog/logging";
import { EventLogError, eventKeyProblem, type EventAppender, type EventLogWriter, type NewEvent } from "@hooklog/event-log";
import type { WebhookEvent } from "@hooklog/schemas";
import { isUnknownTopicError } from "@hooklog/kafka";
import type { IngestMetrics } from "./metrics.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { rejected, type IngestOutcome } from "./outcome.ts";
import { TOPIC_RECHECK_MS, type TopicWatch } from "./topic-watch.ts";

export interface IngestSource {
  config: SourceConfig;
  /** All ingest knows of the source's provider: its scheme, its facts, its audit headers. */
  provider: ProviderModule;
  verifier: Verifier;
  /** The source's rateLimit, counted in verified deliveries only. */
  rateLimiter?: RateLimiter | undefined;
}

export interface IngestDeps {
  /** Builds, encodes and traces the envelope, and hands it to the writer's group commit. */
  appender: EventAppender;
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
  /** The delivery record of the request should its event be written: it travels in the event's own produce request. */
  receipt?: NewEvent["receipt"];
}

/** What the request's delivery record says beyond the answer, learnt as the steps went. */
export interface DeliveryFacts {
  /** The scheme and secret that verified it. */
  verification?: WebhookEvent["verification"];
  /** Why verification failed. */
  verificationFailure?: string;
  /** Known once verification passed (a duplicate's ties a provider's redelivery to its event). */
  providerEventId?: string;
  eventType?: string;
}

export interface Ingested {
  outcome: IngestOutcome;
  facts: DeliveryFacts;
}

const SIGNATURE_STATUS: Record<VerificationFailureReason, 400 | 401> = {
  missing_signature: 401,
  signature_mismatch: 401,
  malformed_signature: 400,
  timestamp_too_old: 400,
  timestamp_in_future: 400,
};

/** Whether a rejection's code says the request failed verification (what the unverified budget is charged for). */
export const isVerificationFailure = (code: string): code is VerificationFailureReason => Object.hasOwn(SIGNATURE_STATUS, code);

/**
 * What `promise` settled to within `ms`: its value, `{ error }` if it rejected, or "timeout". The
 * timer is cleared once the promise settles: one per request would otherwise stay in the timer
 * list for its whole `ms`, thousands of them under load.
 */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout" | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms).unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

const REGISTRY_UNAVAILABLE: IngestOutcome = {
  kind: "unavailable",
  code: "registry_unavailable",
  message: "The schema registry cannot take the event now; retry later.",
  retryAfterSeconds: 5,
};
const KAFKA_UNAVAILABLE: IngestOutcome = {
  kind: "unavailable",
  code: "kafka_unavailable",
  message: "Kafka cannot take the event now; retry later.",
  retryAfterSeconds: 5,
};
const LEDGER_UNAVAILABLE: IngestOutcome = {
  kind: "unavailable",
  code: "ledger_unavailable",
  message: "The deduplication ledger cannot be read now, so the event was not written; retry later.",
  retryAfterSeconds: 5,
};
/** More events are waiting for Kafka than ingest may hold (INGEST_MAX_PENDING_BYTES). */
export const OVERLOADED: IngestOutcome = {
  kind: "unavailable",
  code: "overloaded",
  message: "Ingest holds as many events as it may while Kafka catches up; retry later.",
  retryAfterSeconds: 5,
};
const recordTooLarge = (topic: string): IngestOutcome =>
  rejected(
    413,
    "record_too_large",
    `The event is larger than topic ${topic} takes (its max.message.bytes); Kafka will never accept it. An operator must raise the topic's limit.`,
  );
const topicMissing = (topic: string): IngestOutcome => ({
  kind: "unavailable",
  code: "topic_missing",
  message: `Topic ${topic}, where this source's events are written, does not exist yet; retry later.`,
  retryAfterSeconds: TOPIC_RECHECK_MS / 1000,
});

/** Verify, deduplicate, write to Kafka; never answers accepted before the broker has acknowledged. Says too what was learnt of the delivery. */
export async function ingestWebhook(source: IngestSource, request: WebhookRequest, deps: IngestDeps): Promise<Ingested> {
  const learnt: DeliveryFacts = {};
  const outcome = await ingestSteps(source, request, deps, learnt);
  return { outcome, facts: learnt };
}

async function ingestSteps(source: IngestSource, request: WebhookRequest, deps: IngestDeps, learnt: DeliveryFacts): Promise<IngestOutcome> {
  // SREs find the event by these attributes on the POST's span.
  const { span } = request;
  span?.setAttributes({ "hooklog.source": source.config.name, "hooklog.provider": source.config.provider });

  const verification = source.verifier.verify({ rawBody: request.rawBody, headers: request.headers }, deps.now?.());
  span?.setAttribute("hooklog.verification", verification.ok ? `ok:${verification.scheme}` : verification.reason);
  if (!verification.ok) {
    learnt.verificationFailure = verification.reason;
    return rejected(SIGNATURE_STATUS[verification.reason], verification.reason, verification.message);
  }
  learnt.verification = { scheme: verification.scheme, secretIndex: verification.secretIndex };
  // Only now: a flood of forged requests never takes a genuine delivery's place.
  const allowed = source.rateLimiter?.take();
  if (allowed && !allowed.allowed)
    return rejected(429, "rate_limited", "Too many requests for this source; retry after the given delay.", allowed.retryAfterSeconds);

  const facts = source.provider.eventFacts({ rawBody: request.rawBody, headers: request.headers, contentType: request.contentType }, source.config);
  if (!facts.ok) return rejected(400, "malformed_payload", facts.message);
  const { providerEventId, type } = facts.facts;
  const problem = eventKeyProblem(providerEventId, "the event id") ?? eventKeyProblem(type, "the event type");
  if (problem) return rejected(400, "invalid_event_id", `${problem[0]?.toUpperCase()}${problem.slice(1)}.`);
  learnt.providerEventId = providerEventId;
  learnt.eventType = type;
  span?.setAttributes({ "hooklog.provider_event_id": providerEventId, "hooklog.event_type": type });

  if (source.config.eventTypes && !source.config.eventTypes.includes(type)) return { kind: "ignored", type };
  if (deps.topics.isMissing(source.config.topic)) return topicMissing(source.config.topic);

  if (!(await codecRegistered(source, deps, request))) return REGISTRY_UNAVAILABLE;

  const outcome = await write(
    {
      source: source.config,
      ...facts.facts,
      origin: "webhook",
      verification: { scheme: verification.scheme, secretIndex: verification.secretIndex },
      contentType: request.contentType,
      headers: source.provider.auditHeaders(request.headers, source.config),
      payload: request.rawBody,
      receivedAt: deps.now?.().getTime() ?? Date.now(),
      // The producer span is a child of the request's.
      parent: request.span ? trace.setSpan(ROOT_CONTEXT, request.span) : ROOT_CONTEXT,
      receipt: request.receipt,
    },
    deps,
    request,
  );
  if (outcome.kind === "accepted") span?.setAttribute("hooklog.event_id", outcome.eventId);
  return outcome;
}

/**
 * Whether the source's codec is registered: at once once it is; until then a registry that does not
 * answer is waited for no longer than Kafka would be. False (and logged) when it cannot register now.
 */
async function codecRegistered(source: IngestSource, deps: IngestDeps, request: WebhookRequest): Promise<boolean> {
  const registered = deps.appender.codec(source.config.topic);
  if (!(registered instanceof Promise)) return true;
  const settled = await within(registered, deps.produceTimeoutMs);
  if (settled !== "timeout" && !("error" in settled)) return true;
  deps.logger.error(
    { err: settled === "timeout" ? undefined : settled.error, source: source.config.name, requestId: request.requestId },
    settled === "timeout" ? "schema registry did not answer in time" : "schema registry unavailable",
  );
  return false;
}

async function write(newEvent: NewEvent, deps: IngestDeps, request: WebhookRequest): Promise<IngestOutcome> {
  const { topic } = newEvent.source;
  const started = performance.now();
  // Answered 503 by the timeout below, an event still queued is withdrawn (it holds memory, and the
  // provider will send it again); one already sent may still be acknowledged, and a late
  // acknowledgement records it in the ledger, so the provider's retry is answered as a duplicate.
  const withdraw = new AbortController();
  // A topic an operator set below the source's limit: refused before the event joins a batch.
  const appended = await deps.appender.append(newEvent, { signal: withdraw.signal, maxRecordBytes: deps.topics.maxMessageBytes(topic) });
  if (appended.kind === "too_large") return recordTooLarge(topic);
  const { event, written } = appended;
  written.then(
    (outcome) => {
      if (outcome === "written") deps.metrics.produceLatency.observe((performance.now() - started) / 1000);
    },
    (error: unknown) => {
      // Also when the request was already answered (timeout): later requests are then answered at once.
      if (isUnknownTopicError(error)) void deps.topics.confirmMissing(topic);
    },
  );
  const result = await within(written, deps.produceTimeoutMs);
  if (result === "written") return { kind: "accepted", eventId: event.id };
  if (result === "duplicate") return { kind: "duplicate", providerEventId: event.providerEventId };
  if (result === "timeout") withdraw.abort();
  else if (result.error instanceof EventLogError && result.error.code === "overloaded") return OVERLOADED;
  else if (result.error instanceof EventLogError && result.error.code === "ledger_unavailable") {
    deps.logger.error(
      { err: result.error, source: event.source, eventId: event.id, requestId: request.requestId },
      "the deduplication ledger could not be read: the event was not written",
    );
    return LEDGER_UNAVAILABLE;
  } else if (result.error instanceof EventLogError && result.error.code === "record_too_large") {
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

import { SpanKind, SpanStatusCode, injectTraceHeaders, trace, type Context, type Span } from "@hooklog/telemetry";
import { newEventId, type EventLogWriter, type WriteOutcome } from "@hooklog/event-log";
import type { RecordCodec } from "@hooklog/kafka";
import type { WebhookEvent } from "@hooklog/schemas";
import type { FetchedEvent } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import type { RunTally } from "./run-result.ts";

/** An event fetched from a provider's API, read by its provider module as ingest would read its webhook. */
export type BackfillEvent = FetchedEvent;

export interface BackfillWriterDeps {
  log: EventLogWriter;
  codec: (topic: string) => Promise<RecordCodec<WebhookEvent>>;
  now?: () => number;
}

/** Events go to Kafka in chunks awaited one after the other, so a failure never lets a newer event overtake an older one. */
const CHUNK = 500;

const tracer = trace.getTracer("hooklog-reconciliation");

/**
 * Writes what the webhooks missed through the same log and the same deduplication as ingest: an id
 * already in the ledger is skipped, and an id is recorded only after Kafka acknowledged it, so a
 * webhook arriving later is answered duplicate and a crash in between never hides an event.
 */
export class BackfillWriter {
  readonly #deps: BackfillWriterDeps;

  constructor(deps: BackfillWriterDeps) {
    this.#deps = deps;
  }

  /** The ids of `providerEventIds` that are not in the log (per the shared ledger). */
  async missing(source: string, providerEventIds: readonly string[]): Promise<Set<string>> {
    const accepted = await this.#deps.log.findAccepted(source, providerEventIds);
    return new Set(providerEventIds.filter((id) => !accepted.has(id)));
  }

  /**
   * Writes `events` (oldest first) that are still missing to the source's topic, each with a producer
   * span that is a child of `runContext`, adding each acknowledged one to `tally.backfilled`; throws
   * once the chunk in hand is settled if Kafka refused part of it.
   */
  async write(source: SourceConfig, events: readonly BackfillEvent[], runContext: Context, tally: Pick<RunTally, "backfilled">): Promise<void> {
    // Checked again just before writing: a webhook may have reached ingest since the run listed the event.
    const stillMissing = await this.missing(source.name, events.map((event) => event.providerEventId));
    const pending = events.filter((event) => stillMissing.has(event.providerEventId));
    if (pending.length === 0) return;
    const codec = await this.#deps.codec(source.topic);
    for (let offset = 0; offset < pending.length; offset += CHUNK) {
      const chunk = pending.slice(offset, offset + CHUNK);
      const results = await Promise.allSettled(chunk.map((event) => this.#publish(source, event, codec, runContext)));
      tally.backfilled += results.filter((result) => result.status === "fulfilled" && result.value === "written").length;
      const refused = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (refused) throw refused.reason;
    }
  }

  async #publish(source: SourceConfig, fetched: BackfillEvent, codec: RecordCodec<WebhookEvent>, runContext: Context): Promise<WriteOutcome> {
    const receivedAt = this.#deps.now?.() ?? Date.now();
    const event: WebhookEvent = {
      id: newEventId(receivedAt),
      source: source.name,
      provider: source.provider,
      providerEventId: fetched.providerEventId,
      type: fetched.type,
      providerTimestamp: fetched.providerTimestamp,
      receivedAt,
      origin: "reconciliation",
      verification: { scheme: "api", secretIndex: null },
      contentType: fetched.contentType,
      headers: fetched.headers,
      payload: fetched.payload,
    };
    const span: Span = tracer.startSpan(
      `publish ${source.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { "messaging.system": "kafka", "messaging.destination.name": source.topic, "hooklog.event_id": event.id, "hooklog.provider_event_id": event.providerEventId },
      },
      runContext,
    );
    const headers = injectTraceHeaders({ "hooklog-event-id": event.id, "hooklog-event-type": event.type }, trace.setSpan(runContext, span));
    try {
      // Recorded in the ledger only once Kafka holds it: from then on ingest answers its webhook as a duplicate.
      const outcome = await this.#deps.log.write({
        source: source.name,
        providerEventId: event.providerEventId,
        eventId: event.id,
        origin: event.origin,
        topic: source.topic,
        key: fetched.partitionKey,
        value: await codec.encode(event),
        headers,
      });
      span.setAttribute("hooklog.duplicate", outcome === "duplicate");
      return outcome;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  }
}

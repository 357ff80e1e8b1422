import type { Context } from "@hooklog/telemetry";
import { EventLogError, eventKeyProblem, type EventAppender, type EventLogWriter, type WriteOutcome } from "@hooklog/event-log";
import type { FetchedEvent } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import { warning, type RunTally } from "./run-result.ts";

/** An event fetched from a provider's API, read by its provider module as ingest would read its webhook. */
export type BackfillEvent = FetchedEvent;

export interface BackfillWriterDeps {
  log: EventLogWriter;
  /** Builds, encodes and traces the envelope, and hands it to the log's group commit. */
  appender: EventAppender;
  now?: () => number;
}

/** Events go to Kafka in chunks awaited one after the other, so a failure never lets a newer event overtake an older one. */
const CHUNK = 500;

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
  async write(source: SourceConfig, events: readonly BackfillEvent[], runContext: Context, tally: Pick<RunTally, "backfilled" | "problems">): Promise<void> {
    // An id or type the log cannot take is skipped with a warning: failing the run would hold its checkpoint for ever.
    const writable = events.filter((event) => {
      const problem = eventKeyProblem(event.providerEventId, "the event id") ?? eventKeyProblem(event.type, "the event type");
      if (problem) tally.problems.push(warning("invalid_event_id", `an event the API listed was not written: ${problem}`));
      return problem === undefined;
    });
    // Checked again just before writing: a webhook may have reached ingest since the run listed the event.
    const stillMissing = await this.missing(
      source.name,
      writable.map((event) => event.providerEventId),
    );
    const pending = writable.filter((event) => stillMissing.has(event.providerEventId));
    if (pending.length === 0) return;
    // Registered once before the first chunk: a registry that cannot is one error, not one per event.
    await this.#deps.appender.codec(source.topic);
    for (let offset = 0; offset < pending.length; offset += CHUNK) {
      const chunk = pending.slice(offset, offset + CHUNK);
      const results = await Promise.allSettled(chunk.map((event) => this.#publish(source, event, runContext)));
      tally.backfilled += results.filter((result) => result.status === "fulfilled" && result.value === "written").length;
      const refused = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (refused) throw refused.reason;
    }
  }

  async #publish(source: SourceConfig, fetched: BackfillEvent, runContext: Context): Promise<WriteOutcome> {
    const appended = await this.#deps.appender.append({
      source,
      ...fetched,
      origin: "reconciliation",
      verification: { scheme: "api", secretIndex: null },
      receivedAt: this.#deps.now?.() ?? Date.now(),
      parent: runContext,
    });
    // No size limit is given here (Kafka itself refuses a record over it, as record_too_large).
    if (appended.kind === "too_large")
      throw new EventLogError("record_too_large", `event ${fetched.providerEventId} is larger than topic ${source.topic} takes`);
    // Recorded in the ledger only once Kafka holds it: from then on ingest answers its webhook as a duplicate.
    return appended.written;
  }
}

import { HooklogError, isRetryable } from "@hooklog/core";
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

/** Most events in flight at once. */
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
   * span that is a child of `runContext`, adding each acknowledged one to `tally.backfilled`. Events
   * of one partition key go one after the other, so a newer one never overtakes an older one that
   * failed: a failed event stops the ones after it for its key (the next run redoes them), while the
   * other keys go on. Throws the first failure once everything that could be written is.
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
    const failures = new Map<string, unknown>();
    // Wave n holds the n-th event of every key: keys go side by side, each key's events in order.
    for (const wave of inWaves(pending)) {
      const going = wave.filter((event) => !failures.has(event.partitionKey));
      for (let offset = 0; offset < going.length; offset += CHUNK) {
        const chunk = going.slice(offset, offset + CHUNK);
        const results = await Promise.allSettled(chunk.map((event) => this.#publish(source, event, runContext)));
        results.forEach((result, index) => {
          const event = chunk[index] as BackfillEvent;
          if (result.status === "fulfilled") tally.backfilled += result.value === "written" ? 1 : 0;
          else failures.set(event.partitionKey, eventFailure(event, result.reason));
        });
      }
    }
    const [first] = failures.values();
    if (first !== undefined) throw first;
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

/** Events (oldest first) as waves: the first event of each key, then the second of each, and so on. */
function inWaves(events: readonly BackfillEvent[]): BackfillEvent[][] {
  const waves: BackfillEvent[][] = [];
  const seen = new Map<string, number>();
  for (const event of events) {
    const index = seen.get(event.partitionKey) ?? 0;
    seen.set(event.partitionKey, index + 1);
    const wave = waves[index];
    if (wave) wave.push(event);
    else waves.push([event]);
  }
  return waves;
}

/** A write that failed, naming its event (the run log shows it), with the code and retryability of what refused it. */
function eventFailure(event: BackfillEvent, error: unknown): HooklogError {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof HooklogError ? error.code : "write_failed";
  return new HooklogError(code, `event ${event.providerEventId} (key ${event.partitionKey}) was not written: ${message}`, {
    retryable: isRetryable(error),
    cause: error,
  });
}

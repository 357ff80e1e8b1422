import { inStatements, type Knex } from "@hooklog/db";
import { header } from "@hooklog/kafka";
import type { InboundEvent, LogPosition } from "./definition.ts";
import type { ParkedRow } from "./key-order.ts";
import type { NextStep } from "./router.ts";
import { HEADERS } from "./topology.ts";

/** Where an event stands with one consumer (migrations/0010_consumer_states.ts). */
export type EventState = "processed" | "retrying" | "dead_lettered" | "parked" | "redriven" | "rerun_requested";

/** What one handler run or operator action did with an event. */
export type AttemptOutcome = "processed" | "failed" | "parked" | "redriven" | "rerun" | "replayed";

export interface StateRow {
  consumer: string;
  event_key: string;
  event_id: string;
  topic: string;
  partition: number;
  offset: string;
  state: EventState;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  first_failure_at: Date | null;
  processed_at: Date | null;
  duration_ms: number | null;
  updated_at: Date;
}

export interface AttemptRow {
  consumer: string;
  event_key: string;
  event_id: string;
  attempt: number;
  outcome: AttemptOutcome;
  started_at: Date;
  duration_ms: number | null;
  error: string | null;
  routed_to: string | null;
  actor: string | null;
}

/** The stored error text: enough to tell the cause, never a whole payload echoed back. */
const errorText = (error: Error): string => error.message.slice(0, 4000);

/** A webhook's hub event id; a domain event's the webhook it began with (else its key): it shows on that webhook's page. */
export const eventIdOf = (inbound: InboundEvent): string => (inbound.kind === "webhook" ? inbound.event.id : (inbound.rootEventId ?? inbound.key));

/**
 * Writes state rows and attempt rows: one multi-row statement each, whatever their number. A state
 * keeps its first failure, and the last error and duration when the new row has none.
 */
export async function writeStates(trx: Knex | Knex.Transaction, states: readonly StateRow[], attempts: readonly AttemptRow[]): Promise<void> {
  await inStatements(attempts, async (chunk) => {
    await trx("consumer_event_attempts").insert(chunk);
  });
  await inStatements(states, (chunk) => upsertStates(trx, chunk));
}

async function upsertStates(trx: Knex | Knex.Transaction, states: readonly StateRow[]): Promise<void> {
  await trx("consumer_event_states")
    .insert(states)
    .onConflict(["consumer", "event_key"])
    .merge({
      topic: trx.raw("excluded.topic"),
      partition: trx.raw("excluded.partition"),
      offset: trx.raw("excluded.offset"),
      state: trx.raw("excluded.state"),
      attempts: trx.raw("excluded.attempts"),
      last_error: trx.raw("coalesce(excluded.last_error, consumer_event_states.last_error)"),
      next_attempt_at: trx.raw("excluded.next_attempt_at"),
      first_failure_at: trx.raw("coalesce(consumer_event_states.first_failure_at, excluded.first_failure_at)"),
      processed_at: trx.raw("coalesce(excluded.processed_at, consumer_event_states.processed_at)"),
      duration_ms: trx.raw("coalesce(excluded.duration_ms, consumer_event_states.duration_ms)"),
      updated_at: trx.raw("excluded.updated_at"),
    });
}

/** What a handler run took: when it began and how long it ran. */
export interface Run {
  startedAt: Date;
  durationMs: number;
}

/**
 * What one batch did with each of its events, gathered as the batch goes and written in its
 * transaction, once, before it commits: the states can never tell of a batch that did not commit.
 */
export class BatchStateLog {
  readonly #consumer: string;
  readonly #recordStates: "all" | "failures";
  /** By event key: its state as the batch leaves it, and what each of its runs in the batch did. */
  readonly #entries = new Map<string, { state: StateRow; attempts: AttemptRow[] }>();

  constructor(consumer: string, recordStates: "all" | "failures" = "all") {
    this.#consumer = consumer;
    this.#recordStates = recordStates;
  }

  processed(inbound: InboundEvent, attempt: number, run: Run): void {
    this.#put(inbound.key, eventIdOf(inbound), inbound.position, {
      state: "processed",
      attempts: attempt,
      processedAt: new Date(run.startedAt.getTime() + run.durationMs),
      run,
      attempt,
      outcome: "processed",
    });
  }

  /** A failed attempt, sent where `step` says. `headers` are its message's: a retry carries its first failure. */
  failed(
    event: { key: string; id: string; position: LogPosition },
    attempt: number,
    error: Error,
    step: NextStep,
    run: Run,
    headers?: Parameters<typeof header>[0],
  ): void {
    const firstFailure = header(headers, HEADERS.firstFailureAt);
    this.#put(event.key, event.id, event.position, {
      state: step.dead ? "dead_lettered" : "retrying",
      attempts: attempt,
      error,
      nextAttemptAt: step.dead ? null : new Date(step.dueAt),
      firstFailureAt: firstFailure ? new Date(firstFailure) : new Date(run.startedAt.getTime() + run.durationMs),
      run,
      attempt,
      outcome: "failed",
      routedTo: step.topic,
    });
  }

  /** A parked event waits behind its key's failed event: it may have run and failed first (then it says so), or not run at all. */
  parked(inbound: InboundEvent, attempt: number): void {
    // A failed event parked after all (another event took its key meanwhile) was never routed: its run is told as parked.
    const ran = this.#entries.get(inbound.key)?.attempts.at(-1);
    const failed = ran?.outcome === "failed" ? ran : undefined;
    const error = failed?.error;
    this.#put(inbound.key, eventIdOf(inbound), inbound.position, {
      state: "parked",
      attempts: failed ? attempt : attempt - 1,
      error: error ? new Error(error) : undefined,
      run: failed?.duration_ms != null ? { startedAt: failed.started_at, durationMs: failed.duration_ms } : undefined,
      attempt,
      outcome: "parked",
      replacesLast: failed !== undefined,
    });
  }

  /** A parked event that could not be decoded when released: known by its parked row only. */
  unrevivable(row: ParkedRow, error: Error, step: NextStep): void {
    const now = new Date();
    this.failed({ key: row.event_key, id: row.event_key, position: row }, 1, error, step, { startedAt: now, durationMs: 0 });
  }

  async write(trx: Knex.Transaction): Promise<void> {
    let entries = [...this.#entries.values()];
    if (this.#recordStates === "failures") {
      // Processed and nothing else in this batch: recorded only where a state already tells of an
      // earlier failure or action (one indexed look-up for the batch), so that state ends as processed.
      const onlyProcessed = entries.filter((entry) => entry.attempts.every((attempt) => attempt.outcome === "processed")).map((entry) => entry.state.event_key);
      const known =
        onlyProcessed.length === 0
          ? new Set<string>()
          : new Set(
              (
                (await trx("consumer_event_states").where({ consumer: this.#consumer }).whereIn("event_key", onlyProcessed).select("event_key")) as Array<{
                  event_key: string;
                }>
              ).map((row) => row.event_key),
            );
      const skipped = new Set(onlyProcessed.filter((key) => !known.has(key)));
      entries = entries.filter((entry) => !skipped.has(entry.state.event_key));
    }
    await writeStates(
      trx,
      entries.map((entry) => entry.state),
      entries.flatMap((entry) => entry.attempts),
    );
  }

  #put(
    eventKey: string,
    eventId: string,
    position: LogPosition,
    what: {
      state: EventState;
      attempts: number;
      error?: Error | undefined;
      nextAttemptAt?: Date | null;
      firstFailureAt?: Date;
      processedAt?: Date;
      run: Run | undefined;
      attempt: number;
      outcome: AttemptOutcome;
      routedTo?: string;
      replacesLast?: boolean;
    },
  ): void {
    const now = new Date();
    const earlier = this.#entries.get(eventKey)?.attempts ?? [];
    this.#entries.set(eventKey, {
      state: {
        consumer: this.#consumer,
        event_key: eventKey,
        event_id: eventId,
        topic: position.topic,
        partition: position.partition,
        offset: position.offset,
        state: what.state,
        attempts: what.attempts,
        last_error: what.error ? errorText(what.error) : null,
        next_attempt_at: what.nextAttemptAt ?? null,
        first_failure_at: what.firstFailureAt ?? null,
        processed_at: what.processedAt ?? null,
        duration_ms: what.run?.durationMs ?? null,
        updated_at: now,
      },
      attempts: [
        ...(what.replacesLast ? earlier.slice(0, -1) : earlier),
        {
          consumer: this.#consumer,
          event_key: eventKey,
          event_id: eventId,
          attempt: what.attempt,
          outcome: what.outcome,
          started_at: what.run?.startedAt ?? now,
          duration_ms: what.run?.durationMs ?? null,
          error: what.error ? errorText(what.error) : null,
          routed_to: what.routedTo ?? null,
          actor: null,
        },
      ],
    });
  }
}

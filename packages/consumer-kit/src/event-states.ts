import type { Knex } from "@hooklog/db";
import type { LogPosition } from "./definition.ts";
import type { AttemptOutcome, AttemptRow, EventState, StateRow } from "./state-log.ts";

/** One handler run of an event, or an operator's action on it. */
export interface EventAttempt {
  attempt: number;
  outcome: AttemptOutcome;
  startedAt: Date;
  durationMs: number | null;
  error: string | null;
  /** The retry or dead-letter topic a failure was sent to. */
  routedTo: string | null;
  /** Who asked, for an operator's action. */
  actor: string | null;
}

/** What one consumer did with one event: where it stands, and every attempt in order. */
export interface ConsumerEventState {
  consumer: string;
  eventKey: string;
  eventId: string;
  /** The event's first position in the log. */
  position: LogPosition;
  state: EventState;
  /** Attempts made so far (the attempt number of the last run). */
  attemptsMade: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  firstFailureAt: Date | null;
  processedAt: Date | null;
  /** How long its last handler run took. */
  durationMs: number | null;
  updatedAt: Date;
  attempts: EventAttempt[];
}

export interface ConsumerStateCounts {
  /** Events per state; a state no event is in is 0. */
  counts: Record<EventState, number>;
  /** When the longest-standing dead letter was last touched (dead-lettered); undefined when there is none. */
  oldestDeadLetterAt: Date | undefined;
}

/** Every consumer's state of one hub event (a domain event: its key), consumers in name order, each with its attempts. */
export async function eventStates(db: Knex, eventId: string): Promise<ConsumerEventState[]> {
  const [states, attempts] = (await Promise.all([
    db("consumer_event_states").where({ event_id: eventId }).orderBy(["consumer", "event_key"]),
    db("consumer_event_attempts").where({ event_id: eventId }).orderBy("id"),
  ])) as [StateRow[], Array<AttemptRow & { id: string }>];
  return states.map((row) => ({
    consumer: row.consumer,
    eventKey: row.event_key,
    eventId: row.event_id,
    position: { topic: row.topic, partition: row.partition, offset: row.offset },
    state: row.state,
    attemptsMade: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    firstFailureAt: row.first_failure_at,
    processedAt: row.processed_at,
    durationMs: row.duration_ms,
    updatedAt: row.updated_at,
    attempts: attempts
      .filter((attempt) => attempt.consumer === row.consumer && attempt.event_key === row.event_key)
      .map((attempt) => ({
        attempt: attempt.attempt,
        outcome: attempt.outcome,
        startedAt: attempt.started_at,
        durationMs: attempt.duration_ms,
        error: attempt.error,
        routedTo: attempt.routed_to,
        actor: attempt.actor,
      })),
  }));
}

const STATES: readonly EventState[] = ["processed", "retrying", "dead_lettered", "parked", "redriven", "rerun_requested"];

/** How many of a consumer's events are in each state, and since when its oldest dead letter waits. */
export async function consumerStateCounts(db: Knex, consumer: string): Promise<ConsumerStateCounts> {
  const rows = (await db("consumer_event_states")
    .where({ consumer })
    .groupBy("state")
    .select("state", db.raw("count(*) as count"), db.raw("min(updated_at) as oldest"))) as Array<{ state: EventState; count: string | number; oldest: Date }>;
  const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<EventState, number>;
  for (const row of rows) counts[row.state] = Number(row.count);
  return { counts, oldestDeadLetterAt: rows.find((row) => row.state === "dead_lettered")?.oldest };
}

// What the consumer kit recorded of a consumer's work (consumer_event_states and _attempts, the
// kit's migration 0010_consumer_states), read for the consumers pages: runs per minute and the dead letters.
import type { Knex } from "@hooklog/db";

export interface MinuteCount {
  /** The minute's start. */
  bucket: Date;
  count: number;
}

export interface ConsumerActivity {
  /** Handler runs that processed an event, per minute. */
  processed: MinuteCount[];
  /** Handler runs that failed (each sent to a retry or the dead letters), per minute. */
  failed: MinuteCount[];
}

export interface DeadLetter {
  eventId: string;
  eventKey: string;
  attempts: number;
  lastError: string | null;
  firstFailureAt: Date | null;
  deadLetteredAt: Date;
}

/** Handler runs per minute since `since`, by outcome (processed, failed), oldest minute first. */
export async function consumerActivity(db: Knex, consumer: string, since: Date): Promise<ConsumerActivity> {
  const rows = (await db("consumer_event_attempts")
    .select(db.raw("date_trunc('minute', started_at) as bucket"), "outcome")
    .count("* as count")
    .where({ consumer })
    .whereIn("outcome", ["processed", "failed"])
    .where("started_at", ">=", since)
    .groupBy("bucket", "outcome")
    .orderBy("bucket")) as unknown as Array<{ bucket: Date; outcome: "processed" | "failed"; count: string }>;
  const of = (outcome: string): MinuteCount[] => rows.filter((row) => row.outcome === outcome).map((row) => ({ bucket: row.bucket, count: Number(row.count) }));
  return { processed: of("processed"), failed: of("failed") };
}

/** The consumer's dead letters still waiting, the longest-waiting first. */
export async function oldestDeadLetters(db: Knex, consumer: string, limit: number): Promise<DeadLetter[]> {
  const rows = (await db("consumer_event_states")
    .where({ consumer, state: "dead_lettered" })
    .orderBy("updated_at")
    .limit(limit)
    .select("event_id", "event_key", "attempts", "last_error", "first_failure_at", "updated_at")) as Array<{
    event_id: string;
    event_key: string;
    attempts: number;
    last_error: string | null;
    first_failure_at: Date | null;
    updated_at: Date;
  }>;
  return rows.map((row) => ({
    eventId: row.event_id,
    eventKey: row.event_key,
    attempts: row.attempts,
    lastError: row.last_error,
    firstFailureAt: row.first_failure_at,
    deadLetteredAt: row.updated_at,
  }));
}

/** The consumers that recorded any state: shown even while Kafka cannot list its groups. */
export async function recordedConsumers(db: Knex): Promise<string[]> {
  const rows = (await db("consumer_event_states").distinct("consumer").orderBy("consumer")) as Array<{ consumer: string }>;
  return rows.map((row) => row.consumer);
}

/** Of these event keys, those the consumer has a processed mark for. */
export async function processedKeys(db: Knex, consumer: string, eventKeys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < eventKeys.length; start += 1000) {
    const rows = (await db("processed_events")
      .where({ consumer })
      .whereIn("event_key", eventKeys.slice(start, start + 1000))
      .select("event_key")) as Array<{ event_key: string }>;
    for (const row of rows) found.add(row.event_key);
  }
  return found;
}

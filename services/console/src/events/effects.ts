import type { Knex } from "@hooklog/db";

/** An effect outside Postgres a consumer recorded with `once` for an event (a Slack timestamp, a deployment id). */
export interface EffectRecord {
  effect: string;
  /** What the call answered, as recorded; null until it completed. */
  result: unknown;
  attempts: number;
  firstAttemptAt: Date;
  completedAt: Date | null;
}

/** The `once` records of one consumer for one event, by the kit's idempotency key `<consumer>:<event key>`. */
export async function effectsOf(db: Knex, consumer: string, eventKey: string): Promise<EffectRecord[]> {
  const rows = (await db("effect_calls")
    .where({ consumer, idempotency_key: `${consumer}:${eventKey}` })
    .orderBy("first_attempt_at")
    .select("effect", "result", "attempts", "first_attempt_at", "completed_at")) as Array<{
    effect: string;
    result: unknown;
    attempts: number;
    first_attempt_at: Date;
    completed_at: Date | null;
  }>;
  return rows.map((row) => ({
    effect: row.effect,
    result: row.result,
    attempts: row.attempts,
    firstAttemptAt: row.first_attempt_at,
    completedAt: row.completed_at,
  }));
}

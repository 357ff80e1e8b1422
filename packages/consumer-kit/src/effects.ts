import type { Knex } from "@hooklog/db";

/**
 * An earlier attempt of this call began and recorded no outcome: the process died, Postgres went
 * away or the call failed after it was sent. It may have taken effect.
 */
export interface EarlierAttempt {
  /** How many attempts began before this one. */
  attempts: number;
  /** When the first of them began: an outside effect of theirs is no older than this. */
  startedAt: Date;
  /** When the last of them began: an outside effect of theirs is no newer than this and that call's timeout. */
  lastStartedAt: Date;
}

/** Runs an outside call; `earlier` is set when an earlier attempt may have made it already. */
export type OutsideCall<T> = (idempotencyKey: string, earlier: EarlierAttempt | undefined) => Promise<T>;

interface EffectCallRow {
  result: unknown;
  attempts: number;
  first_attempt_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

/**
 * Effects outside Postgres, at most once to completion. Bookkeeping runs on its own connection (not
 * the handler's transaction): the call has happened even if the handler's transaction later rolls back.
 * The start of each attempt is committed before the call, so a call whose outcome went unrecorded
 * is always known to the next attempt, which can look before it acts again.
 */
export function createOnce(db: Knex, consumer: string, idempotencyKey: string) {
  return async function once<T>(effect: string, call: OutsideCall<T>): Promise<T> {
    const where = { consumer, idempotency_key: idempotencyKey, effect };
    const row = (await db("effect_calls").where(where).first()) as EffectCallRow | undefined;
    if (row?.completed_at) return row.result as T;
    // Each attempt's start sets updated_at; only a completed row (returned above) was updated after.
    const earlier = row && row.attempts > 0 ? { attempts: row.attempts, startedAt: row.first_attempt_at, lastStartedAt: row.updated_at } : undefined;
    await db("effect_calls")
      .insert({ ...where, attempts: 1 })
      .onConflict(["consumer", "idempotency_key", "effect"])
      .merge({ attempts: db.raw("effect_calls.attempts + 1"), updated_at: db.fn.now() });
    const result = await call(`${idempotencyKey}:${effect}`, earlier);
    await db("effect_calls")
      .where(where)
      .update({ result: JSON.stringify(result ?? null), completed_at: db.fn.now(), updated_at: db.fn.now() });
    return result;
  };
}

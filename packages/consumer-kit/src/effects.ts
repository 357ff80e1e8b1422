import type { Knex } from "@hooklog/db";

/**
 * Effects outside Postgres, at most once to completion. Bookkeeping runs on its own connection (not
 * the handler's transaction): the call has happened even if the handler's transaction later rolls back.
 */
export function createOnce(db: Knex, consumer: string, idempotencyKey: string) {
  return async function once<T>(effect: string, call: (key: string) => Promise<T>): Promise<T> {
    const row = (await db("effect_calls").where({ consumer, idempotency_key: idempotencyKey, effect }).first()) as
      | { result: unknown; completed_at: Date | null }
      | undefined;
    if (row?.completed_at) return row.result as T;
    await db("effect_calls")
      .insert({ consumer, idempotency_key: idempotencyKey, effect, attempts: 1 })
      .onConflict(["consumer", "idempotency_key", "effect"])
      .merge({ attempts: db.raw("effect_calls.attempts + 1"), updated_at: db.fn.now() });
    const result = await call(`${idempotencyKey}:${effect}`);
    await db("effect_calls")
      .where({ consumer, idempotency_key: idempotencyKey, effect })
      .update({ result: JSON.stringify(result ?? null), completed_at: db.fn.now(), updated_at: db.fn.now() });
    return result;
  };
}

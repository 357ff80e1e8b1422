import { createHash } from "node:crypto";
import type { Knex } from "knex";

/**
 * An advisory-lock key named by its user: 64 bits of a hash of `name` (prefix it with who takes it,
 * `hooklog-deployments:...`), so it collides with no other name nor, in practice, with another user
 * of advisory locks in the same database.
 */
export function advisoryLockKey(name: string): bigint {
  return createHash("sha256").update(name).digest().readBigInt64BE(0);
}

/** Waits for the advisory lock `key`, held until `trx` commits or rolls back. */
export async function lockForTransaction(trx: Knex.Transaction, key: bigint): Promise<void> {
  await trx.raw("select pg_advisory_xact_lock(?::bigint)", [key.toString()]);
}

/** Takes the advisory lock `key` until `trx` ends, unless another transaction holds it: then false. */
export async function tryLockForTransaction(trx: Knex.Transaction, key: bigint): Promise<boolean> {
  const result = (await trx.raw("select pg_try_advisory_xact_lock(?::bigint) as locked", [key.toString()])) as { rows: Array<{ locked: boolean }> };
  return result.rows[0]?.locked === true;
}

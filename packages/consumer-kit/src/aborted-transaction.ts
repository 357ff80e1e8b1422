import type { Knex } from "@hooklog/db";
import { ConsumerKitError } from "./errors.ts";

/** Postgres's in_failed_sql_transaction: after a failed statement, every command fails until a rollback. */
const IN_FAILED_SQL_TRANSACTION = "25P02";

/**
 * Whether `error` is Postgres refusing a query because an earlier one failed in the same transaction,
 * or an error a handler made of that refusal (its cause, however deep).
 */
export function isInFailedTransaction(error: unknown): boolean {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 10; cause = (cause as { cause?: unknown }).cause, depth += 1) {
    if ((cause as { code?: unknown }).code === IN_FAILED_SQL_TRANSACTION) return true;
  }
  return false;
}

/** A transaction Postgres has aborted: nothing in it can commit (its COMMIT would answer ROLLBACK, without an error). */
export class AbortedTransactionError extends ConsumerKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TRANSACTION_ABORTED", message, true, options);
  }
}

/**
 * Asks Postgres whether `trx` can still commit, and throws AbortedTransactionError if it cannot. A
 * handler that catches a failed query of its own leaves the transaction aborted without anyone
 * noticing; a probe is the one way to tell from outside (knex does not expose the connection's status).
 */
export async function assertNotAborted(trx: Knex.Transaction, what: string): Promise<void> {
  try {
    await trx.raw("select 1");
  } catch (error) {
    if (!isInFailedTransaction(error)) throw error;
    throw new AbortedTransactionError(`${what}: Postgres aborted the transaction after a failed query, so nothing in it can commit`, { cause: error });
  }
}

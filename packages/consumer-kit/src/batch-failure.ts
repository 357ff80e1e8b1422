import type { Logger } from "@hooklog/logging";
import { ConsumerKitError } from "./errors.ts";

// Rebalance errors kafkajs's runner handles itself (rejoin, then fetch on): passed through as they are.
const REBALANCING = new Set(["REBALANCE_IN_PROGRESS", "NOT_COORDINATOR_FOR_GROUP", "ILLEGAL_GENERATION"]);

function originalCause(error: unknown): unknown {
  let current = error;
  while (typeof current === "object" && current !== null && (current as { cause?: unknown }).cause !== undefined)
    current = (current as { cause?: unknown }).cause;
  return current;
}

/**
 * A batch that failed as a whole (Postgres unreachable, an offset commit refused after the group
 * moved on, Kafka refusing a retry or dead letter). Its offsets are not committed, so its events are
 * read again.
 */
export class BatchFailedError extends ConsumerKitError {
  /** What failed; not `cause`, which kafkajs follows to decide whether to restart. */
  readonly failure: unknown;
  /** kafkajs's own word for it: restart the consumer. */
  readonly retriable = true;

  constructor(failure: unknown) {
    super("BATCH_FAILED", `a batch failed and will be read again: ${failure instanceof Error ? failure.message : String(failure)}`, true);
    this.failure = failure;
  }
}

/**
 * kafkajs 2.2.4 restarts a consumer after an error thrown from eachBatch only when the error's
 * innermost cause is `retriable` (src/consumer/index.js); after any other it disconnects and stays
 * stopped while the process lives on, healthy to every probe. Every batch failure is retriable here:
 * the consumer restarts, rejoins its group and reads the batch again.
 */
export async function restartingOnFailure<T>(work: () => Promise<T>, deps: { logger: Logger; consumer: string }): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const cause = originalCause(error) as { retriable?: unknown; type?: unknown };
    if (cause.retriable === true || REBALANCING.has(String(cause.type))) throw error;
    deps.logger.error({ consumer: deps.consumer, err: error }, "a batch failed; the consumer restarts and reads it again");
    throw new BatchFailedError(error);
  }
}

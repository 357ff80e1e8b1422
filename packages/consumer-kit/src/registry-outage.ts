import type { Logger } from "@hooklog/logging";
import { ConsumerKitError } from "./errors.ts";

/** The registry could not say which schema a message was written with: the message is fine, try later. */
export class RegistryUnavailableError extends ConsumerKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("REGISTRY_UNAVAILABLE", message, true, options);
  }
}

/**
 * Backoff and logging while the registry is unavailable. Each partition that needs it waits 250 ms,
 * then twice as long after every failure, up to 10 s; the outage is logged once when it begins and
 * once when every waiting partition has decoded again, not once per message or attempt.
 */
export class RegistryOutage {
  readonly #logger: Logger;
  readonly #consumer: string;
  readonly #firstDelayMs: number;
  readonly #maxDelayMs: number;
  /** Failed lookups in a row, by "topic/partition". */
  readonly #waiting = new Map<string, number>();
  #since = 0;

  constructor(logger: Logger, consumer: string, delays: { firstMs?: number; maxMs?: number } = {}) {
    this.#logger = logger;
    this.#consumer = consumer;
    this.#firstDelayMs = delays.firstMs ?? 250;
    this.#maxDelayMs = delays.maxMs ?? 10_000;
  }

  /** A lookup failed on `partition`: how long that partition waits before it reads the message again. */
  failed(partition: string, error: Error): number {
    if (this.#waiting.size === 0) {
      this.#since = Date.now();
      this.#logger.warn(
        { consumer: this.#consumer, partition, err: error },
        "schema registry unavailable: partitions that need a schema from it wait and retry, nothing is dead-lettered",
      );
    }
    const failures = (this.#waiting.get(partition) ?? 0) + 1;
    this.#waiting.set(partition, failures);
    return Math.min(this.#maxDelayMs, this.#firstDelayMs * 2 ** (failures - 1));
  }

  /** A message of `partition` decoded: if the partition was waiting, the registry answered it. */
  decoded(partition: string): void {
    if (!this.#waiting.delete(partition) || this.#waiting.size > 0) return;
    this.#logger.info({ consumer: this.#consumer, outageMs: Date.now() - this.#since }, "schema registry reachable again");
  }

  /** After a rebalance the waiting partitions may be another member's now: a later failure starts a new outage. */
  reset(): void {
    this.#waiting.clear();
  }
}

import type { Consumer } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";

/** How often a partition's offset is committed at most while its batches come back to back. */
export const OFFSET_COMMIT_INTERVAL_MS = 200;

interface Pending {
  member: Consumer;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Commits each partition's Kafka offset once its batch has committed in Postgres, at most once per
 * OFFSET_COMMIT_INTERVAL_MS while batches come back to back (the latest offset then follows within
 * that time), and at once when the consumer is stopping. An offset commit is a write on the group
 * coordinator, and small batches under a steady load each made one, awaited: it is bookkeeping, not
 * what makes an effect exactly-once (the processed mark is). A member that leaves with an offset not
 * yet committed costs the next reader those few messages again, skipped as duplicates.
 */
export class OffsetCommitter {
  readonly #logger: Logger;
  readonly #consumer: string;
  readonly #intervalMs: number;
  readonly #lastCommitAt = new Map<string, number>();
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, consumer: string, intervalMs = OFFSET_COMMIT_INTERVAL_MS) {
    this.#logger = logger;
    this.#consumer = consumer;
    this.#intervalMs = intervalMs;
  }

  /** The next offset to read in `topic`/`partition`, now that everything before it is processed. */
  async processedUpTo(member: Consumer, topic: string, partition: number, offset: string, stopping: boolean): Promise<void> {
    const key = `${topic}/${partition}`;
    const now = Date.now();
    if (stopping || now - (this.#lastCommitAt.get(key) ?? 0) >= this.#intervalMs) {
      this.#pending.delete(key);
      this.#lastCommitAt.set(key, now);
      await member.commitOffsets([{ topic, partition, offset }]);
      return;
    }
    this.#pending.set(key, { member, topic, partition, offset });
    this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs - (now - (this.#lastCommitAt.get(key) ?? 0))).unref();
  }

  /** Commits every offset still waiting for its interval (on a timer, and before the consumer disconnects). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = [...this.#pending.entries()];
    this.#pending.clear();
    for (const [key, { member, topic, partition, offset }] of waiting) {
      try {
        this.#lastCommitAt.set(key, Date.now());
        await member.commitOffsets([{ topic, partition, offset }]);
      } catch (error) {
        // The partition moved to another member (a rebalance), or this one left: it reads these again.
        this.#logger.debug({ consumer: this.#consumer, topic, partition, err: error }, "an offset commit waiting for its interval failed");
      }
    }
  }
}

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
 * Commits each partition's Kafka offset once its batch has committed in Postgres: at once when the
 * partition's last commit is OFFSET_COMMIT_INTERVAL_MS old, else within that time (the latest offset
 * then), and whatever waits before the consumer disconnects. An offset commit is a write on the group
 * coordinator, and small batches under a steady load each made one, awaited: it is bookkeeping, not
 * what makes an effect exactly-once (the processed mark is). A member that leaves with an offset not
 * yet committed costs the next reader those few messages again, skipped as duplicates.
 *
 * A partition's commits go out one after another and only ever forward: a commit waiting on the
 * coordinator (kafkajs retries one for up to about 30 s) is never overtaken by an older offset.
 */
export class OffsetCommitter {
  readonly #logger: Logger;
  readonly #consumer: string;
  readonly #intervalMs: number;
  readonly #lastCommitAt = new Map<string, number>();
  /** By partition: the highest offset sent, and the last commit in flight (the next one goes after it). */
  readonly #sent = new Map<string, { offset: bigint; done: Promise<void> }>();
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, consumer: string, intervalMs = OFFSET_COMMIT_INTERVAL_MS) {
    this.#logger = logger;
    this.#consumer = consumer;
    this.#intervalMs = intervalMs;
  }

  /** The next offset to read in `topic`/`partition`, now that everything before it is processed. */
  async processedUpTo(member: Consumer, topic: string, partition: number, offset: string): Promise<void> {
    const key = `${topic}/${partition}`;
    const sinceLast = Date.now() - (this.#lastCommitAt.get(key) ?? 0);
    if (sinceLast >= this.#intervalMs) {
      this.#pending.delete(key);
      await this.#commit(key, { member, topic, partition, offset });
      return;
    }
    this.#pending.set(key, { member, topic, partition, offset });
    this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs - sinceLast).unref();
  }

  /** Commits every offset still waiting for its interval (on a timer, and before the consumer disconnects). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = [...this.#pending.entries()];
    this.#pending.clear();
    await Promise.all(
      waiting.map(([key, pending]) =>
        this.#commit(key, pending).catch((error: unknown) => {
          // The partition moved to another member (a rebalance), or this one left: it reads these again.
          this.#logger.debug({ consumer: this.#consumer, topic: pending.topic, partition: pending.partition, err: error }, "a waiting offset commit failed");
        }),
      ),
    );
  }

  /**
   * After the member (re)joined its group: what waited was for the assignment before, and another
   * member may own and move those partitions now; a partition given back starts afresh.
   */
  forget(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
    this.#sent.clear();
    this.#lastCommitAt.clear();
  }

  /** Sends `offset` after the partition's commit in flight, unless a higher or equal one was sent. */
  #commit(key: string, { member, topic, partition, offset }: Pending): Promise<void> {
    const previous = this.#sent.get(key);
    const target = BigInt(offset);
    if (previous && previous.offset >= target) return previous.done;
    this.#lastCommitAt.set(key, Date.now());
    const done = (previous?.done ?? Promise.resolve()).catch(() => undefined).then(() => member.commitOffsets([{ topic, partition, offset }]));
    this.#sent.set(key, { offset: target, done });
    return done;
  }
}

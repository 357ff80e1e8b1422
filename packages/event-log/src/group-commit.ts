import { EventLogError } from "./errors.ts";

/**
 * Group commit: items submitted while a commit is under way wait and go together in the next one.
 * An idle system commits each item at once; a busy one makes batches as large as the load, so no
 * request waits on a send of its own and none waits on a timer.
 *
 * Batches are bounded by count and by weight (bytes): an item heavier than a batch may be goes
 * alone. What is queued or in flight is bounded by weight too: past the bound a submit is refused at
 * once (`overloaded`), so a stalled commit cannot make the queue grow without end. A queued item
 * whose caller stopped waiting (its signal aborted) is withdrawn and never committed.
 *
 * With `maxInFlight` above 1 the commits overlap in a pipeline: the next batch is taken once the
 * current one calls its `handOff` (done with its first stage, say a lookup) and fewer than
 * `maxInFlight` batches are under way. The commit function keeps the order of whatever must stay in
 * order (the sends).
 */
interface Pending<Item, Result> {
  item: Item;
  weight: number;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions<Item, Result> {
  /** `handOff`: the batch is past its first stage and the next may start (with `maxInFlight` above 1). */
  commit: (items: Item[], handOff: () => void) => Promise<Result[]>;
  /** Batches under way at once; default 1, one after the other. */
  maxInFlight?: number;
  maxBatch: number;
  /** Default: unbounded. */
  maxBatchWeight?: number;
  /** Default: unbounded. */
  maxPendingWeight?: number;
  /** Default: every item weighs 1. */
  weigh?: (item: Item) => number;
}

export class GroupCommit<Item, Result> {
  readonly #commit: GroupCommitOptions<Item, Result>["commit"];
  readonly #maxInFlight: number;
  readonly #maxBatch: number;
  readonly #maxBatchWeight: number;
  readonly #maxPendingWeight: number;
  readonly #weigh: (item: Item) => number;
  #queue: Array<Pending<Item, Result>> = [];
  #inFlight = 0;
  /** A batch is under way that has not handed off yet. */
  #starting = false;
  #pendingWeight = 0;
  #idle: Array<() => void> = [];

  constructor(options: GroupCommitOptions<Item, Result>) {
    this.#commit = options.commit;
    this.#maxInFlight = options.maxInFlight ?? 1;
    this.#maxBatch = options.maxBatch;
    this.#maxBatchWeight = options.maxBatchWeight ?? Number.POSITIVE_INFINITY;
    this.#maxPendingWeight = options.maxPendingWeight ?? Number.POSITIVE_INFINITY;
    this.#weigh = options.weigh ?? (() => 1);
  }

  /** The weight queued or in flight now. */
  get pendingWeight(): number {
    return this.#pendingWeight;
  }

  /** Whether an item of `weight` would be refused as overloaded now. */
  wouldOverload(weight: number): boolean {
    // An idle writer takes any one item, however heavy: the bound is on what piles up.
    return this.#pendingWeight > 0 && this.#pendingWeight + weight > this.#maxPendingWeight;
  }

  submit(item: Item, signal?: AbortSignal): Promise<Result> {
    const weight = this.#weigh(item);
    if (this.wouldOverload(weight)) {
      return Promise.reject(
        new EventLogError("overloaded", `the writer holds ${this.#pendingWeight} bytes, its bound is ${this.#maxPendingWeight}; retry shortly`),
      );
    }
    return new Promise((resolve, reject) => {
      const entry: Pending<Item, Result> = { item, weight, resolve, reject };
      this.#pendingWeight += weight;
      this.#queue.push(entry);
      signal?.addEventListener("abort", () => this.#withdraw(entry), { once: true });
      this.#pump();
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #withdraw(entry: Pending<Item, Result>): void {
    const index = this.#queue.indexOf(entry);
    if (index < 0) return; // already in a batch: its commit answers it
    this.#queue.splice(index, 1);
    this.#pendingWeight -= entry.weight;
    entry.reject(new EventLogError("withdrawn", "the caller stopped waiting before the write was sent"));
    this.#pump();
  }

  #takeBatch(): Array<Pending<Item, Result>> {
    let count = 0;
    let weight = 0;
    while (count < this.#queue.length && count < this.#maxBatch) {
      const next = (this.#queue[count] as Pending<Item, Result>).weight;
      if (count > 0 && weight + next > this.#maxBatchWeight) break;
      weight += next;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }

  #pump(): void {
    while (!this.#starting && this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      this.#inFlight += 1;
      this.#starting = true;
      void this.#run(batch);
    }
    if (this.#queue.length === 0 && this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #run(batch: Array<Pending<Item, Result>>): Promise<void> {
    let handedOff = false;
    const handOff = (): void => {
      if (handedOff) return;
      handedOff = true;
      this.#starting = false;
      this.#pump();
    };
    try {
      const results = await this.#commit(
        batch.map((entry) => entry.item),
        handOff,
      );
      for (const [index, entry] of batch.entries()) entry.resolve(results[index] as Result);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      for (const entry of batch) this.#pendingWeight -= entry.weight;
      this.#inFlight -= 1;
      if (!handedOff) {
        handedOff = true;
        this.#starting = false;
      }
      this.#pump();
    }
  }
}

/**
 * Group commit: items submitted while a commit is under way wait and go together in the next one.
 * An idle system commits each item at once; a busy one makes batches as large as the load, so no
 * request waits on a send of its own and none waits on a timer.
 */
interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Item, Result> {
  readonly #commit: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #onCommit: ((size: number, seconds: number) => void) | undefined;
  #queue: Array<Pending<Item, Result>> = [];
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(options: {
    commit: (items: Item[]) => Promise<Result[]>;
    maxBatch: number;
    maxInFlight?: number;
    onCommit?: (size: number, seconds: number) => void;
  }) {
    this.#commit = options.commit;
    this.#maxBatch = options.maxBatch;
    this.#maxInFlight = options.maxInFlight ?? 1;
    this.#onCommit = options.onCommit;
  }

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#pump();
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight += 1;
      void this.#run(batch);
    }
    if (this.#queue.length === 0 && this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #run(batch: Array<Pending<Item, Result>>): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.#commit(batch.map((entry) => entry.item));
      this.#onCommit?.(batch.length, (performance.now() - started) / 1000);
      batch.forEach((entry, index) => entry.resolve(results[index] as Result));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#inFlight -= 1;
      this.#pump();
    }
  }
}

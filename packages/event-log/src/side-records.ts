/**
 * A small record that is not an event (ingest's delivery metadata): it rides in the writer's produce
 * requests beside the events, best effort. Its failure never fails an event, and it is never sent twice.
 */
export interface SideRecord {
  topic: string;
  key: string;
  value: Buffer;
}

export interface SideRecordOptions {
  /** Records waiting for a produce request; past it `add` refuses. */
  maxQueued: number;
  /** How long a record waits for an event batch to ride in before it is sent alone. */
  lingerMs: number;
  /** Most side records one produce request carries. Default 500. */
  maxPerRequest?: number;
  /** After a lone send failed, the next waits this long (Kafka is likely away). Default 5000. */
  backoffMs?: number;
  /** Every record taken, once: written (error undefined) or not, with the send's error. */
  onSettled: (records: readonly SideRecord[], error: unknown) => void;
}

/**
 * The side records waiting for a produce request: the writer takes them into its next event batch's
 * request; those no batch took within `lingerMs` are sent on their own.
 */
export class SideRecordQueue {
  readonly #options: Required<SideRecordOptions>;
  readonly #sendAlone: (records: readonly SideRecord[]) => Promise<unknown>;
  #queue: SideRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #notBefore = 0;

  constructor(options: SideRecordOptions, sendAlone: (records: readonly SideRecord[]) => Promise<unknown>) {
    this.#options = { maxPerRequest: 500, backoffMs: 5000, ...options };
    this.#sendAlone = sendAlone;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Queues `record`; false (nothing queued) when the queue is full. */
  add(record: SideRecord): boolean {
    if (this.#queue.length >= this.#options.maxQueued) return false;
    this.#queue.push(record);
    this.#schedule(this.#options.lingerMs);
    return true;
  }

  /** The records the produce request about to go takes with it. */
  take(): SideRecord[] {
    return this.#queue.splice(0, this.#options.maxPerRequest);
  }

  settled(records: readonly SideRecord[], error: unknown): void {
    if (records.length > 0) this.#options.onSettled(records, error);
  }

  /** Sends what is queued now, alone (at shutdown), and waits for the send in flight. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sending;
    while (this.#queue.length > 0) await this.#send();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    // unref: a record waiting to be sent must not keep a stopping process alive.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (this.#queue.length === 0) return;
      const wait = this.#notBefore - Date.now();
      if (this.#sending || wait > 0) this.#schedule(Math.max(wait, this.#options.lingerMs));
      else void this.#send();
    }, delayMs).unref();
  }

  #send(): Promise<void> {
    const records = this.take();
    this.#sending = this.#sendAlone(records).then(
      () => this.settled(records, undefined),
      (error: unknown) => {
        this.#notBefore = Date.now() + this.#options.backoffMs;
        this.settled(records, error);
      },
    );
    const sending = this.#sending.finally(() => {
      this.#sending = undefined;
      if (this.#queue.length > 0) this.#schedule(this.#options.lingerMs);
    });
    return sending;
  }
}

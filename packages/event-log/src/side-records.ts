import type { LogProducer } from "@hooklog/kafka";

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
  /**
   * The producer of records sent alone (createSideRecordProducer): never the events' producer, so a
   * lone send that hangs or fails holds up no event and does not make the events' producer start over.
   */
  producer: LogProducer;
  /** Records waiting for a produce request; past it `add` refuses. */
  maxQueued: number;
  /** How long a record waits for an event batch to ride in before it is sent alone. */
  lingerMs: number;
  /** Most side records one produce request carries. Default 500. */
  maxPerRequest?: number;
  /** After a lone send failed, the next waits this long (Kafka is likely away). Default 5000. */
  backoffMs?: number;
  /** A lone send not acknowledged within this is given up, its records failed. Default 5000. */
  sendTimeoutMs?: number;
  /** Every record taken, once: written (error undefined) or not, with the send's error. */
  onSettled: (records: readonly SideRecord[], error: unknown) => void;
}

/**
 * The side records waiting for a produce request: the writer takes them into its next event batch's
 * request; those no batch took within `lingerMs` are sent on their own.
 */
export class SideRecordQueue {
  readonly #options: Required<Omit<SideRecordOptions, "producer">>;
  readonly #sendAlone: (records: readonly SideRecord[]) => Promise<unknown>;
  #queue: SideRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<{ error: unknown } | undefined> | undefined;
  #notBefore = 0;

  constructor(options: SideRecordOptions, sendAlone: (records: readonly SideRecord[]) => Promise<unknown>) {
    this.#options = { maxPerRequest: 500, backoffMs: 5000, sendTimeoutMs: 5000, ...options };
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

  /**
   * Sends what is queued now, alone (at shutdown), after the send in flight; once a send fails, the
   * rest are failed with it rather than each waiting out its own deadline.
   */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let failure = await this.#sending;
    while (this.#queue.length > 0 && failure === undefined) failure = await this.#send();
    if (failure !== undefined) this.settled(this.#queue.splice(0), failure.error);
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

  /** Sends the next records alone; resolves (never rejects) with the failure, if it failed. */
  #send(): Promise<{ error: unknown } | undefined> {
    const records = this.take();
    this.#sending = this.#withDeadline(this.#sendAlone(records)).then(
      () => {
        this.settled(records, undefined);
        return undefined;
      },
      (error: unknown) => {
        this.#notBefore = Date.now() + this.#options.backoffMs;
        this.settled(records, error);
        return { error };
      },
    );
    const sending = this.#sending.finally(() => {
      this.#sending = undefined;
      if (this.#queue.length > 0) this.#schedule(this.#options.lingerMs);
    });
    return sending;
  }

  /**
   * `send`, or a rejection once `sendTimeoutMs` passed: a send Kafka holds (a partition without a
   * leader, a broker gone) must not hold the next records or a shutdown. Given up, its records may
   * still land; they are never sent again.
   */
  #withDeadline(send: Promise<unknown>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`side records not acknowledged within ${this.#options.sendTimeoutMs} ms; given up`)),
        this.#options.sendTimeoutMs,
      ).unref();
    });
    // A send given up may still fail later: its outcome was already told.
    send.catch(() => undefined);
    return Promise.race([send, deadline]).finally(() => clearTimeout(timer));
  }
}

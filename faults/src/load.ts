// A steady open-loop load: event i is due at start + i / rate, whatever became of the ones before.
// Each event is delivered until answered 2xx (a 503 or no answer is tried again after Retry-After,
// a bounded number of times, as providers retry), and then delivered once more, later, with the same
// provider event id, as providers redeliver.
import type { DeliveryLog, EventRecord } from "./delivery-log.ts";
import { is2xx } from "./delivery-log.ts";
import type { EventMix, Outgoing } from "./event-mix.ts";
import type { Poster } from "./poster.ts";

export interface LoadOptions {
  rate: number;
  mix: EventMix;
  log: DeliveryLog;
  poster: Poster;
  /** Where ingest listens now (it moves when it restarts). */
  target: () => string;
  phase: () => string;
  /** The redelivery comes this long after the first delivery's last attempt. */
  redeliverAfterMs: { min: number; max: number };
  /** Attempts per delivery before the sender gives up on it. */
  maxAttempts: number;
}

/** When ingest gives no answer (and so no Retry-After), a sender waits 2 s, 4 s, ... up to 10 s, as providers back off. */
const noAnswerBackoffMs = (attempt: number): number => Math.min(2000 * attempt, 10_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Load {
  readonly #options: LoadOptions;
  readonly #open = new Set<Promise<void>>();
  readonly #largeTimers = new Set<NodeJS.Timeout>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #issued = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => {
      const due = Math.floor(((performance.now() - this.#startedAt) * this.#options.rate) / 1000);
      for (; this.#issued < due; this.#issued++) this.#launch(this.#options.mix.next(this.#options.phase()));
    }, 5);
  }

  /** Large deliveries of these sizes, spread evenly over the next `withinMs`, on top of the steady rate. */
  sendLarge(sizes: readonly number[], withinMs: number): void {
    sizes.forEach((bytes, index) => {
      const timer = setTimeout(
        () => {
          this.#largeTimers.delete(timer);
          this.#launch(this.#options.mix.large(this.#options.phase(), bytes));
        },
        ((index + 0.5) * withinMs) / sizes.length,
      );
      this.#largeTimers.add(timer);
    });
  }

  /** No new events from now on; deliveries under way and redeliveries go on. */
  stopNewEvents(): void {
    clearInterval(this.#timer);
    for (const timer of this.#largeTimers) clearTimeout(timer);
    this.#largeTimers.clear();
  }

  /** Waits until every delivery and redelivery is done, or `timeoutMs`; returns how many are still open. */
  async drained(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.#open.size > 0 && Date.now() < deadline) await Promise.race([Promise.all(this.#open), sleep(500)]);
    return this.#open.size;
  }

  #launch(outgoing: Outgoing): void {
    const life = this.#life(outgoing).finally(() => this.#open.delete(life));
    this.#open.add(life);
  }

  async #life(outgoing: Outgoing): Promise<void> {
    const record = this.#options.log.add(outgoing.event);
    await this.#deliver(outgoing, record, false);
    const { min, max } = this.#options.redeliverAfterMs;
    await sleep(min + Math.random() * (max - min));
    await this.#deliver(outgoing, record, true);
  }

  async #deliver(outgoing: Outgoing, record: EventRecord, redelivery: boolean): Promise<void> {
    const { event } = outgoing;
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      const delivery = await outgoing.sign();
      const phase = this.#options.phase();
      const sentAt = Date.now();
      const answer = await this.#options.poster.post(this.#options.target(), event.source, delivery);
      this.#options.log.post({ eventKey: event.key, phase, sentAt, answeredAt: Date.now(), status: answer.status, outcome: answer.outcome, redelivery });
      if (is2xx(answer.status)) {
        // A copy of an event ingest has taken is a duplicate, or accepted if its first copy's ledger row is not there yet.
        if (!["accepted", "duplicate"].includes(answer.outcome))
          record.problems.push(`${redelivery ? "redelivery" : "delivery"} answered ${answer.status} ${answer.outcome}`);
        return;
      }
      if (answer.status !== 0 && answer.status !== 503 && answer.status !== 429) {
        record.problems.push(`${redelivery ? "redelivery" : "delivery"} answered ${answer.status} ${answer.outcome}`);
        return;
      }
      await sleep(answer.retryAfterSeconds !== undefined ? answer.retryAfterSeconds * 1000 : noAnswerBackoffMs(attempt));
    }
    record.gaveUp += 1;
  }
}

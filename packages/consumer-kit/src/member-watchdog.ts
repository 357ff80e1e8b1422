// kafkajs 2.2.4 can leave a consumer out of its group while the process lives on and /healthz says
// ok: after a crash it does not retry (CRASH with restart: false), and, seen in the three-broker
// faults run, after the group coordinator moved (NOT_COORDINATOR, then JoinGroup UNKNOWN_MEMBER_ID)
// it went silent for good with events still to apply. The watchdog replaces such a member.

export interface MemberWatchdogOptions {
  /** Silence (no heartbeat, fetch, batch or join) after which the member is replaced. */
  stalledAfterMs: number;
  checkEveryMs: number;
  /** Disconnects the member, as far as it goes, and starts a new one; throws if the new one cannot start. */
  replace: () => Promise<void>;
  /** Told before each replacement, with how long the member was silent (Infinity after a crash). */
  onStall: (silentMs: number) => void;
  /** Told when a replacement failed; the next check tries again. */
  onReplaceFailed: (error: unknown) => void;
  now?: () => number;
}

export class MemberWatchdog {
  readonly #options: MemberWatchdogOptions;
  readonly #now: () => number;
  #lastSign: number;
  #replacing: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #replacements = 0;

  constructor(options: MemberWatchdogOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#lastSign = this.#now();
  }

  /** A sign of life from the member: a heartbeat, a fetch, a batch, a join. */
  alive(): void {
    this.#lastSign = this.#now();
  }

  /** kafkajs gave the member up: replaced at the next check. */
  crashed(): void {
    this.#lastSign = Number.NEGATIVE_INFINITY;
  }

  replacements(): number {
    return this.#replacements;
  }

  /** Replaces the member if it has been silent too long; says whether it did. */
  async check(): Promise<boolean> {
    const silentMs = this.#now() - this.#lastSign;
    if (this.#replacing || silentMs < this.#options.stalledAfterMs) return false;
    this.#replacing = this.#replace(silentMs).finally(() => {
      this.#replacing = undefined;
    });
    return this.#replacing;
  }

  async #replace(silentMs: number): Promise<boolean> {
    try {
      this.#options.onStall(silentMs);
      await this.#options.replace();
      this.#replacements += 1;
      this.#lastSign = this.#now();
      return true;
    } catch (error) {
      this.#options.onReplaceFailed(error);
      return false;
    }
  }

  start(): void {
    this.#timer = setInterval(() => void this.check(), this.#options.checkEveryMs);
    this.#timer.unref();
  }

  /** No more checks; resolves once a replacement under way has ended. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#replacing;
  }
}

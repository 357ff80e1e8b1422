/** A destination's circuit settings, from its route's `circuit:`. */
export interface CircuitSettings {
  failures: number;
  probeSeconds: number;
  maxProbeSeconds: number;
}

export interface CircuitEvents {
  /** The circuit opened: `failures` deliveries in a row failed; the next probe is in `probeMs`. */
  opened(failures: number, probeMs: number, error: Error): void;
  /** A probe delivered: deliveries resume. */
  closed(pausedMs: number): void;
}

/**
 * Closed, a destination takes every delivery. After `failures` failures in a row it opens:
 * deliveries wait (without spending an attempt) while one probe at a time tries again, at an
 * interval that doubles up to `maxProbeSeconds`; the first probe that delivers closes it.
 * In memory: a restart starts closed, and the first failures open it again.
 */
export class Circuit {
  readonly #settings: CircuitSettings;
  readonly #events: CircuitEvents;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | undefined;
  #probeMs = 0;
  #nextProbeAt = 0;
  #probing = false;

  constructor(settings: CircuitSettings, events: CircuitEvents, now: () => number = Date.now) {
    this.#settings = settings;
    this.#events = events;
    this.#now = now;
  }

  get open(): boolean {
    return this.#openedAt !== undefined;
  }

  /** How long until the next probe may go, while open. */
  get nextProbeInMs(): number {
    return Math.max(this.#nextProbeAt - this.#now(), 0);
  }

  /** Before a delivery: `undefined` to make it (the circuit is closed, or this is the probe), else how long it waits. */
  admit(): number | undefined {
    if (this.#openedAt === undefined) return undefined;
    const now = this.#now();
    if (!this.#probing && now >= this.#nextProbeAt) {
      this.#probing = true;
      return undefined;
    }
    return Math.max(this.#nextProbeAt - now, 0) + this.#probeMs;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#openedAt === undefined) return;
    const pausedMs = this.#now() - this.#openedAt;
    this.#openedAt = undefined;
    this.#events.closed(pausedMs);
  }

  /** The destination answered, refusing this one delivery: the probe slot is free again, and nothing else changes. */
  answered(): void {
    this.#probing = false;
  }

  failed(error: Error): void {
    this.#failures += 1;
    this.#probing = false;
    const now = this.#now();
    if (this.#openedAt !== undefined) {
      this.#probeMs = Math.min(this.#probeMs * 2, this.#settings.maxProbeSeconds * 1000);
      this.#nextProbeAt = now + this.#probeMs;
      return;
    }
    if (this.#failures < this.#settings.failures) return;
    this.#openedAt = now;
    this.#probeMs = this.#settings.probeSeconds * 1000;
    this.#nextProbeAt = now + this.#probeMs;
    this.#events.opened(this.#failures, this.#probeMs, error);
  }
}

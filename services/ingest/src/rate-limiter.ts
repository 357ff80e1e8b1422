import type { RateLimit } from "@hooklog/sources";

/** A token bucket: `requestsPerSecond` sustained, `burst` (default one second's worth) at once. */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.#rate = limit.requestsPerSecond;
    this.#burst = limit.burst ?? Math.max(1, Math.ceil(limit.requestsPerSecond));
    this.#now = now;
    this.#tokens = this.#burst;
    this.#updatedAt = now();
  }

  /** Takes a token, or says after how many whole seconds one will be there. */
  take(): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const wait = this.wait();
    if (wait !== undefined) return { allowed: false, retryAfterSeconds: wait };
    this.#tokens -= 1;
    return { allowed: true };
  }

  /** Whole seconds until a token will be there, or undefined when one is there now; takes nothing. */
  wait(): number | undefined {
    this.#refill();
    return this.#tokens >= 1 ? undefined : Math.max(1, Math.ceil((1 - this.#tokens) / this.#rate));
  }

  /** Whether the bucket has refilled to its burst. */
  full(): boolean {
    this.#refill();
    return this.#tokens >= this.#burst;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#rate);
    this.#updatedAt = now;
  }
}

import { RateLimiter } from "./rate-limiter.ts";

/** Past this many client addresses, the idle ones are forgotten first, then the oldest. */
const MAX_CLIENTS = 100_000;

/**
 * Each client address's budget of requests that failed verification: a token bucket per address,
 * charged by every failure. A client whose bucket is empty is refused before its body is read, so a
 * flood of forged requests costs no body, no HMAC and no share of a source's rate limit; the
 * providers, calling from their own addresses, are not held up by it.
 */
export class ClientBudget {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, RateLimiter>();

  constructor(limit: { perSecond: number; burst: number }, now: () => number = Date.now) {
    this.#rate = limit.perSecond;
    this.#burst = limit.burst;
    this.#now = now;
  }

  /** Seconds until `client` may be heard again, or undefined when it has budget left. */
  exhausted(client: string): number | undefined {
    return this.#buckets.get(client)?.wait();
  }

  /** Charges one failed verification to `client`. */
  charge(client: string): void {
    let bucket = this.#buckets.get(client);
    if (bucket) this.#buckets.delete(client);
    else bucket = new RateLimiter({ requestsPerSecond: this.#rate, burst: this.#burst }, this.#now);
    bucket.take();
    // Re-inserted: the map's order is the order of last use.
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > MAX_CLIENTS) this.#forget();
  }

  /** Drops the buckets that have refilled (nothing to remember), and if that is not enough, the least recently charged. */
  #forget(): void {
    for (const [client, bucket] of this.#buckets) if (bucket.full()) this.#buckets.delete(client);
    for (const client of this.#buckets.keys()) {
      if (this.#buckets.size <= MAX_CLIENTS * 0.9) break;
      this.#buckets.delete(client);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * The budget's key for a client address: an IPv4 address as it is (an IPv4-mapped IPv6 one too), an
 * IPv6 address by its /64, which one host is usually given whole.
 */
export function clientKey(address: string): string {
  if (address.startsWith("::ffff:") && address.includes(".")) return address.slice("::ffff:".length);
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.split("::", 2);
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = address.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const groups = address.includes("::") ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, "").toLowerCase())
    .join(":")}::/64`;
}

import { isIP } from "node:net";
import { RateLimiter } from "./rate-limiter.ts";

/** Past this many client addresses, the idle ones are forgotten first, then the oldest. */
const MAX_CLIENTS = 100_000;

/**
 * Each client address's budget of requests that failed verification: a token bucket per address,
 * charged by every failure. Past it, the client's failures are answered 429 with Retry-After rather
 * than 401, so a sender that keeps failing is told to back off; its deliveries that verify are still
 * taken (providers send from shared addresses). A flood never takes a share of a source's rate limit,
 * which counts verified deliveries only.
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
    const bucket = this.#buckets.get(client);
    if (!bucket) return undefined;
    // Re-inserted: a client that keeps being refused stays among the last forgotten.
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket);
    return bucket.wait();
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
 * IPv6 address by its /64, which one host is usually given whole. Anything that is not an address
 * (a forwarded header's junk) is one key for all such clients.
 */
export function clientKey(address: string): string {
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return "unknown";
  const groups = ipv6Groups(address.toLowerCase());
  // ::ffff:a.b.c.d, however it is written, is an IPv4 client.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an address isIP has accepted as IPv6 (an IPv4 tail is two groups). */
function ipv6Groups(address: string): number[] {
  const withoutZone = address.split("%", 1)[0] ?? "";
  const parse = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = "", tail] = withoutZone.split("::", 2);
  if (tail === undefined) return parse(head);
  const [before, after] = [parse(head), parse(tail)];
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}

import { randomBytes, randomUUID } from "node:crypto";

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `prefix` and `length` random alphanumerics, the shape of Stripe-style ids (evt_1Q…, pi_3P…). */
export function freshId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join("");
}

export const freshUuid = (): string => randomUUID();

/** A positive integer id as GitHub's are (database ids); random, so samples do not collide. */
export const freshNumber = (): number => 1_000_000 + (randomBytes(4).readUInt32BE() % 900_000_000);

export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** A 40-hex-digit commit id, as git's SHA-1 ones are. */
export const freshSha = (): string => randomBytes(20).toString("hex");

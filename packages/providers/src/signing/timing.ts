import { timingSafeEqual } from "node:crypto";
import { failure } from "./results.ts";
import type { VerificationFailure } from "./types.ts";

/**
 * timingSafeEqual throws on unequal lengths, so a wrong-length candidate is compared with the
 * expected value itself (same cost) and then rejected. Digest lengths are public, so this leaks nothing.
 */
export function constantTimeEqual(candidate: Buffer, expected: Buffer): boolean {
  const sameLength = candidate.length === expected.length;
  const equal = timingSafeEqual(sameLength ? candidate : expected, expected);
  return sameLength && equal;
}

/**
 * Index of the first secret whose digest equals any candidate, or null. Every candidate is
 * compared with every secret's digest without early exit, so timing does not reveal which matched.
 */
export function findMatchingSecret(candidates: readonly Buffer[], expectedBySecret: readonly Buffer[]): number | null {
  let matched: number | null = null;
  for (let secretIndex = 0; secretIndex < expectedBySecret.length; secretIndex++) {
    const expected = expectedBySecret[secretIndex] as Buffer;
    for (const candidate of candidates) {
      const equal = constantTimeEqual(candidate, expected);
      if (equal && matched === null) {
        matched = secretIndex;
      }
    }
  }
  return matched;
}

// Digits only: parseInt (used by some reference libraries) would read "12abc" as 12.
const unixSeconds = /^\d{1,12}$/;

/**
 * Parses a unix-seconds timestamp and checks it against now ± tolerance. Whole seconds are
 * compared, as the providers' libraries do, and exactly at the limit still passes.
 */
export function checkTimestamp(raw: string, headerName: string, now: Date, toleranceSeconds: number): { ok: true; seconds: number } | VerificationFailure {
  if (!unixSeconds.test(raw)) {
    return failure("malformed_signature", `${headerName} timestamp is not whole unix seconds`);
  }
  const seconds = Number(raw);
  const ageSeconds = Math.floor(now.getTime() / 1000) - seconds;
  if (ageSeconds > toleranceSeconds) {
    return failure("timestamp_too_old", `${headerName} timestamp is ${ageSeconds} s old; tolerance is ${toleranceSeconds} s`);
  }
  if (-ageSeconds > toleranceSeconds) {
    return failure("timestamp_in_future", `${headerName} timestamp is ${-ageSeconds} s in the future; tolerance is ${toleranceSeconds} s`);
  }
  return { ok: true, seconds };
}

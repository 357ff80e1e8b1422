import { createHash, timingSafeEqual } from "node:crypto";
import type { AdminToken } from "@hooklog/config";

/** Says whose token was presented; undefined for none of them. */
export type TokenCheck = (presented: string) => string | undefined;

const sha256 = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Compares the presented token with every accepted one, without early exit and over equal-length
 * digests, so timing tells neither which nor how close; answers the matching token's name.
 */
export function tokenCheck(tokens: readonly AdminToken[]): TokenCheck {
  const accepted = tokens.map(({ name, token }) => ({ name, digest: sha256(token) }));
  return (presented) => {
    const digest = sha256(presented);
    let holder: string | undefined;
    for (const each of accepted) if (timingSafeEqual(digest, each.digest) && holder === undefined) holder = each.name;
    return holder;
  };
}

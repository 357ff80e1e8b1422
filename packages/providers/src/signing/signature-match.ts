import type { KeyObject } from "node:crypto";
import { hmacDigest, type HmacAlgorithm } from "./digest.ts";
import { failure } from "./results.ts";
import { findMatchingSecret } from "./timing.ts";
import type { VerificationResult } from "./types.ts";

export interface SignatureCheck {
  scheme: string;
  algorithm: HmacAlgorithm;
  keys: readonly KeyObject[];
  signedParts: readonly (string | Buffer)[];
  /** Decoded signatures from the request; any one may match any key (rotation). */
  candidates: readonly Buffer[];
  signatureHeader: string;
  timestampMs: number | null;
}

/** The last step every scheme shares: digest per secret, constant-time match, result. */
export function matchSignature(check: SignatureCheck): VerificationResult {
  const expectedBySecret = check.keys.map((key) => hmacDigest(check.algorithm, key, check.signedParts));
  const secretIndex = findMatchingSecret(check.candidates, expectedBySecret);
  if (secretIndex === null) {
    return failure("signature_mismatch", `no signature in ${check.signatureHeader} matches a configured secret`);
  }
  return { ok: true, scheme: check.scheme, secretIndex, timestampMs: check.timestampMs };
}

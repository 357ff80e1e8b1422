import type { SignedRequest, VerificationFailure, VerificationFailureReason } from "./types.ts";

export function failure(reason: VerificationFailureReason, message: string): VerificationFailure {
  return { ok: false, reason, message };
}

/** A header sent empty carries no signature, so it counts as missing rather than malformed. */
export function readHeader(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return value === undefined || value === "" ? undefined : value;
}

export function missingHeader(name: string): VerificationFailure {
  return failure("missing_signature", `${name} header is missing`);
}

export { createVerifier } from "./verifier.ts";
export { signHmac } from "./hmac.ts";
export { SignatureConfigError } from "./errors.ts";
export type { SignatureConfigErrorCode } from "./errors.ts";
export type {
  HmacSchemeOptions,
  Provider,
  SignedRequest,
  VerificationFailureReason,
  VerificationResult,
  Verifier,
  VerifierSpec,
} from "./types.ts";

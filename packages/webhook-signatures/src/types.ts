export type Provider = "stripe" | "github" | "standard-webhooks" | "hmac";

export interface HmacSchemeOptions {
  /** Header carrying the signature, e.g. "x-signature"; looked up lower-cased. */
  header: string;
  algorithm: "sha256" | "sha512";
  encoding: "hex" | "base64";
  /** Stripped from the header value before decoding, e.g. "sha256=". */
  prefix?: string;
  /** When set, the signed content is `${timestamp}.${body}` (unix seconds) and the tolerance applies. */
  timestampHeader?: string;
}

export type VerifierSpec =
  | { provider: "stripe"; secrets: readonly string[]; toleranceSeconds: number }
  | { provider: "github"; secrets: readonly string[] }
  | { provider: "standard-webhooks"; secrets: readonly string[]; toleranceSeconds: number }
  | { provider: "hmac"; secrets: readonly string[]; toleranceSeconds: number; hmac: HmacSchemeOptions };

export type SpecFor<P extends Provider> = Extract<VerifierSpec, { provider: P }>;

export interface SignedRequest {
  rawBody: Buffer;
  /** Header names lower-cased by the caller. */
  headers: Readonly<Record<string, string | undefined>>;
}

export type VerificationFailureReason =
  | "missing_signature" // no signature header (or, for timestamped schemes, no timestamp/id header) -> HTTP 401
  | "malformed_signature" // header present but not parseable -> HTTP 400
  | "signature_mismatch" // well-formed but no candidate matches any secret -> HTTP 401
  | "timestamp_too_old" // older than now - tolerance -> HTTP 400
  | "timestamp_in_future"; // later than now + tolerance -> HTTP 400

export type VerificationResult =
  | { ok: true; scheme: string; secretIndex: number; timestampMs: number | null }
  | { ok: false; reason: VerificationFailureReason; message: string };

export type VerificationFailure = Extract<VerificationResult, { ok: false }>;

export interface Verifier {
  readonly provider: Provider;
  verify(request: SignedRequest, now?: Date): VerificationResult;
}

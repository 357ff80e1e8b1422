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
  /** The provider module that built it, as named in hooklog.config.yaml. */
  readonly provider: string;
  verify(request: SignedRequest, now?: Date): VerificationResult;
}

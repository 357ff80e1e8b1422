// A generic HMAC scheme for senders without a provider library: signature header (optionally
// prefixed), hex or base64, and optionally a timestamp header that is signed as `${timestamp}.${body}`.
import { hmacDigest, utf8SigningKey, utf8SigningKeys } from "../signing/digest.ts";
import { decodeCanonical } from "../signing/encoding.ts";
import { SignatureConfigError } from "../signing/errors.ts";
import { failure, missingHeader, readHeader } from "../signing/results.ts";
import { matchSignature } from "../signing/signature-match.ts";
import { requireSecrets, requireTolerance } from "../signing/spec-checks.ts";
import { checkTimestamp } from "../signing/timing.ts";
import type { SourceSettings } from "../provider.ts";
import type { Verifier } from "../signing/types.ts";
import { hmacOptions, type HmacSchemeOptions } from "./options.ts";

const algorithms: readonly string[] = ["sha256", "sha512"] satisfies HmacSchemeOptions["algorithm"][];
const encodings: readonly string[] = ["hex", "base64"] satisfies HmacSchemeOptions["encoding"][];

/** Options usually come from configuration, so their values are checked even though the types say enough. */
function requireHmacOptions(options: HmacSchemeOptions): void {
  if (options.header.length === 0) {
    throw new SignatureConfigError("invalid_hmac_options", "hmac.header is empty");
  }
  if (!algorithms.includes(options.algorithm)) {
    throw new SignatureConfigError("invalid_hmac_options", `hmac.algorithm must be one of ${algorithms.join(", ")}`);
  }
  if (!encodings.includes(options.encoding)) {
    throw new SignatureConfigError("invalid_hmac_options", `hmac.encoding must be one of ${encodings.join(", ")}`);
  }
  if (options.timestampHeader !== undefined && options.timestampHeader.length === 0) {
    throw new SignatureConfigError("invalid_hmac_options", "hmac.timestampHeader is empty");
  }
}

/** What the generic scheme signs: the body, or `${timestamp}.${body}` with a timestamp header. */
export function signedParts(rawBody: Buffer, timestamp: string | undefined): (string | Buffer)[] {
  return timestamp === undefined ? [rawBody] : [`${timestamp}.`, rawBody];
}

export function createHmacVerifier(spec: SourceSettings): Verifier {
  requireSecrets(spec.secrets);
  requireTolerance(spec.toleranceSeconds);
  const options = hmacOptions.of(spec);
  if (options === undefined) {
    throw new SignatureConfigError("invalid_hmac_options", `provider hmac needs an hmac: ${hmacOptions.summary} block`);
  }
  requireHmacOptions(options);
  const keys = utf8SigningKeys(spec.secrets);
  const { header: signatureHeader, algorithm, encoding, prefix = "", timestampHeader } = options;
  const toleranceSeconds = spec.toleranceSeconds;

  return {
    provider: "hmac",
    verify(request, now = new Date()) {
      const header = readHeader(request, signatureHeader);
      if (header === undefined) {
        return missingHeader(signatureHeader);
      }
      const rawTimestamp = timestampHeader === undefined ? undefined : readHeader(request, timestampHeader);
      if (timestampHeader !== undefined && rawTimestamp === undefined) {
        return missingHeader(timestampHeader);
      }
      if (!header.startsWith(prefix)) {
        return failure("malformed_signature", `${signatureHeader} does not start with the configured prefix`);
      }
      const signature = decodeCanonical(header.slice(prefix.length), encoding);
      if (signature === null) {
        return failure("malformed_signature", `${signatureHeader} is not canonical ${encoding}`);
      }
      let timestampMs: number | null = null;
      if (timestampHeader !== undefined && rawTimestamp !== undefined) {
        const timestamp = checkTimestamp(rawTimestamp, timestampHeader, now, toleranceSeconds);
        if (!timestamp.ok) {
          return timestamp;
        }
        timestampMs = timestamp.seconds * 1000;
      }
      return matchSignature({
        scheme: `hmac-${algorithm}`,
        algorithm,
        keys,
        signedParts: signedParts(request.rawBody, rawTimestamp),
        candidates: [signature],
        signatureHeader,
        timestampMs,
      });
    },
  };
}

/**
 * The headers a sender of the generic scheme attaches (names lower-cased). With a timestampHeader,
 * the timestamp defaults to now; without one, passing a timestamp is a mistake and throws.
 */
export function signHmac(options: HmacSchemeOptions, secret: string, rawBody: Buffer, timestampSeconds?: number): Record<string, string> {
  requireHmacOptions(options);
  requireSecrets([secret]);
  if (options.timestampHeader === undefined && timestampSeconds !== undefined) {
    throw new SignatureConfigError("invalid_timestamp", "a timestamp was given but hmac.timestampHeader is not set");
  }
  const seconds = options.timestampHeader === undefined ? undefined : (timestampSeconds ?? Math.floor(Date.now() / 1000));
  if (seconds !== undefined && (!Number.isSafeInteger(seconds) || seconds < 0)) {
    throw new SignatureConfigError("invalid_timestamp", "timestampSeconds must be a whole number of unix seconds");
  }
  const timestamp = seconds === undefined ? undefined : String(seconds);
  const signature = hmacDigest(options.algorithm, utf8SigningKey(secret), signedParts(rawBody, timestamp)).toString(options.encoding);

  const headers: Record<string, string> = { [options.header.toLowerCase()]: `${options.prefix ?? ""}${signature}` };
  if (options.timestampHeader !== undefined && timestamp !== undefined) {
    headers[options.timestampHeader.toLowerCase()] = timestamp;
  }
  return headers;
}

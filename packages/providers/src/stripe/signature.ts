// Stripe signs `${t}.${rawBody}` with HMAC-SHA256 keyed by the whole endpoint secret ("whsec_…" included):
// https://docs.stripe.com/webhooks#verify-manually
import { utf8SigningKeys } from "../signing/digest.ts";
import { decodeCanonical } from "../signing/encoding.ts";
import { failure, missingHeader, readHeader } from "../signing/results.ts";
import { matchSignature } from "../signing/signature-match.ts";
import { requireSecrets, requireTolerance } from "../signing/spec-checks.ts";
import { checkTimestamp } from "../signing/timing.ts";
import type { SourceSettings } from "../provider.ts";
import type { VerificationFailure, Verifier } from "../signing/types.ts";

const SIGNATURE_HEADER = "stripe-signature";

interface StripeSignatureHeader {
  ok: true;
  timestamp: string;
  signatures: Buffer[];
}

/** `t=<unix>,v1=<hex>[,v1=<hex>…]`; other schemes (v0 test-mode signatures, future ones) are ignored, as Stripe advises. */
function parseStripeSignatureHeader(value: string): StripeSignatureHeader | VerificationFailure {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const element of value.split(",")) {
    const separator = element.indexOf("=");
    const key = separator === -1 ? "" : element.slice(0, separator).trim();
    if (key !== "t" && key !== "v1") {
      continue;
    }
    const elementValue = element.slice(separator + 1).trim();
    if (key === "t") {
      if (timestamp !== undefined) {
        return failure("malformed_signature", `${SIGNATURE_HEADER} has more than one t= element`);
      }
      timestamp = elementValue;
      continue;
    }
    const signature = decodeCanonical(elementValue, "hex");
    if (signature === null) {
      return failure("malformed_signature", `${SIGNATURE_HEADER} has a v1 value that is not lower-case hex`);
    }
    signatures.push(signature);
  }
  if (timestamp === undefined) {
    return failure("malformed_signature", `${SIGNATURE_HEADER} has no t= timestamp`);
  }
  if (signatures.length === 0) {
    return failure("malformed_signature", `${SIGNATURE_HEADER} has no v1 signature`);
  }
  return { ok: true, timestamp, signatures };
}

export function createStripeVerifier(spec: SourceSettings): Verifier {
  requireSecrets(spec.secrets);
  requireTolerance(spec.toleranceSeconds);
  const keys = utf8SigningKeys(spec.secrets);
  const toleranceSeconds = spec.toleranceSeconds;

  return {
    provider: "stripe",
    verify(request, now = new Date()) {
      const header = readHeader(request, SIGNATURE_HEADER);
      if (header === undefined) {
        return missingHeader(SIGNATURE_HEADER);
      }
      const parsed = parseStripeSignatureHeader(header);
      if (!parsed.ok) {
        return parsed;
      }
      const timestamp = checkTimestamp(parsed.timestamp, SIGNATURE_HEADER, now, toleranceSeconds);
      if (!timestamp.ok) {
        return timestamp;
      }
      return matchSignature({
        scheme: "stripe-v1",
        algorithm: "sha256",
        keys,
        signedParts: [`${parsed.timestamp}.`, request.rawBody],
        candidates: parsed.signatures,
        signatureHeader: SIGNATURE_HEADER,
        timestampMs: timestamp.seconds * 1000,
      });
    },
  };
}

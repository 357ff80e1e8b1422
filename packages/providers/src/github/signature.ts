// GitHub signs the raw body with HMAC-SHA256 and sends `sha256=<hex>`; there is no timestamp:
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
import { utf8SigningKeys } from "../signing/digest.ts";
import { decodeCanonical } from "../signing/encoding.ts";
import { failure, missingHeader, readHeader } from "../signing/results.ts";
import { matchSignature } from "../signing/signature-match.ts";
import { requireSecrets } from "../signing/spec-checks.ts";
import type { SourceSettings } from "../provider.ts";
import type { Verifier } from "../signing/types.ts";

// The legacy SHA-1 `x-hub-signature` is deliberately not accepted.
const SIGNATURE_HEADER = "x-hub-signature-256";
const PREFIX = "sha256=";

export function createGithubVerifier(spec: SourceSettings): Verifier {
  requireSecrets(spec.secrets);
  const keys = utf8SigningKeys(spec.secrets);

  return {
    provider: "github",
    verify(request) {
      const header = readHeader(request, SIGNATURE_HEADER);
      if (header === undefined) {
        return missingHeader(SIGNATURE_HEADER);
      }
      if (!header.startsWith(PREFIX)) {
        return failure("malformed_signature", `${SIGNATURE_HEADER} does not start with ${PREFIX}`);
      }
      const signature = decodeCanonical(header.slice(PREFIX.length), "hex");
      if (signature === null) {
        return failure("malformed_signature", `${SIGNATURE_HEADER} is not lower-case hex after ${PREFIX}`);
      }
      return matchSignature({
        scheme: "github-sha256",
        algorithm: "sha256",
        keys,
        signedParts: [request.rawBody],
        candidates: [signature],
        signatureHeader: SIGNATURE_HEADER,
        timestampMs: null,
      });
    },
  };
}

// Standard Webhooks (and Svix, which uses `svix-` header names) sign `${id}.${timestamp}.${body}`
// with HMAC-SHA256 keyed by the base64-decoded secret, and send space-separated `v1,<base64>`:
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { decodeBase64Strict, decodeCanonical } from "../signing/encoding.ts";
import { SignatureConfigError } from "../signing/errors.ts";
import { failure, missingHeader, readHeader } from "../signing/results.ts";
import { matchSignature } from "../signing/signature-match.ts";
import { requireSecrets, requireTolerance } from "../signing/spec-checks.ts";
import { checkTimestamp } from "../signing/timing.ts";
import type { SourceSettings } from "../provider.ts";
import type { SignedRequest, VerificationFailure, Verifier } from "../signing/types.ts";

const SECRET_PREFIX = "whsec_";

function decodeSecrets(secrets: readonly string[]): KeyObject[] {
  return secrets.map((secret, index) => {
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    const key = decodeBase64Strict(encoded);
    if (key === null || key.length === 0) {
      throw new SignatureConfigError("invalid_secret_encoding", `secrets[${index}] is not non-empty base64 after the optional ${SECRET_PREFIX} prefix`);
    }
    return createSecretKey(key);
  });
}

interface HeaderNames {
  id: string;
  timestamp: string;
  signature: string;
}

const standardHeaders: HeaderNames = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
const svixHeaders: HeaderNames = { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

/** Headers are taken as a set from one family, so a request never mixes a webhook-id with a svix-signature. */
function headerNamesFor(request: SignedRequest): HeaderNames {
  const usesStandard = Object.values(standardHeaders).some((name) => readHeader(request, name) !== undefined);
  return usesStandard ? standardHeaders : svixHeaders;
}

/** Space-separated `<version>,<base64>`; versions other than v1 (such as asymmetric v1a) are skipped. */
function parseSignatures(value: string, headerName: string): Buffer[] | VerificationFailure {
  const signatures: Buffer[] = [];
  for (const entry of value.split(" ").filter((part) => part.length > 0)) {
    const separator = entry.indexOf(",");
    if (separator === -1) {
      return failure("malformed_signature", `${headerName} has an entry without a version tag`);
    }
    if (entry.slice(0, separator) !== "v1") {
      continue;
    }
    const signature = decodeCanonical(entry.slice(separator + 1), "base64");
    if (signature === null) {
      return failure("malformed_signature", `${headerName} has a v1 value that is not canonical base64`);
    }
    signatures.push(signature);
  }
  if (signatures.length === 0) {
    return failure("malformed_signature", `${headerName} has no v1 signature`);
  }
  return signatures;
}

export function createStandardWebhooksVerifier(spec: SourceSettings): Verifier {
  requireSecrets(spec.secrets);
  requireTolerance(spec.toleranceSeconds);
  const keys = decodeSecrets(spec.secrets);
  const toleranceSeconds = spec.toleranceSeconds;

  return {
    provider: "standard-webhooks",
    verify(request, now = new Date()) {
      const names = headerNamesFor(request);
      const id = readHeader(request, names.id);
      const rawTimestamp = readHeader(request, names.timestamp);
      const header = readHeader(request, names.signature);
      if (id === undefined) {
        return missingHeader(names.id);
      }
      if (rawTimestamp === undefined) {
        return missingHeader(names.timestamp);
      }
      if (header === undefined) {
        return missingHeader(names.signature);
      }
      const signatures = parseSignatures(header, names.signature);
      if (!Array.isArray(signatures)) {
        return signatures;
      }
      const timestamp = checkTimestamp(rawTimestamp, names.timestamp, now, toleranceSeconds);
      if (!timestamp.ok) {
        return timestamp;
      }
      return matchSignature({
        scheme: "standard-webhooks-v1",
        algorithm: "sha256",
        keys,
        signedParts: [`${id}.${rawTimestamp}.`, request.rawBody],
        candidates: signatures,
        signatureHeader: names.signature,
        timestampMs: timestamp.seconds * 1000,
      });
    },
  };
}

/**
 * The webhook-signature value (`v1,<base64>`) of `body` sent with `id` at `timestampSeconds`: the
 * HMAC over the raw bytes, as the verifier above checks it (the reference library signs the body's
 * UTF-8 decoding instead, which differs from the bytes sent for a body that is not UTF-8). Throws
 * SignatureConfigError for a secret that is not base64 after the optional whsec_ prefix.
 */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: Buffer): string {
  const [key] = decodeSecrets([secret]);
  if (!key) throw new SignatureConfigError("invalid_secret_encoding", "no secret given");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.`).update(body).digest("base64")}`;
}

// Properties over random bodies: the untouched request verifies, and changing any one byte of
// the body, the timestamp or the signature makes it fail, for every provider.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createVerifier, signHmac } from "../src/index.ts";
import type { HmacSchemeOptions, SignedRequest, Verifier } from "../src/index.ts";
import {
  NOW,
  NOW_SECONDS,
  TOLERANCE_SECONDS,
  githubRequest,
  githubSecrets,
  header,
  hmacSecrets,
  signedRequest,
  standardSecrets,
  standardWebhookRequest,
  stripeRequest,
  stripeSecrets,
  withHeader,
} from "./fixtures.ts";

/** Where a part of the request lives: a header, and the span of its value that the part occupies. */
interface HeaderSpan {
  header: string;
  span: (value: string) => { start: number; end: number };
}

interface TamperTarget {
  provider: string;
  verifier: Verifier;
  sign: (payload: string) => Promise<SignedRequest>;
  signature: HeaderSpan;
  timestamp: HeaderSpan | null;
}

const afterPrefix = (prefix: string) => (value: string) => ({ start: prefix.length, end: value.length });
const wholeValue = (value: string) => ({ start: 0, end: value.length });
const hmacOptions: HmacSchemeOptions = { header: "x-signature", algorithm: "sha256", encoding: "base64", prefix: "v1=", timestampHeader: "x-timestamp" };

const targets: TamperTarget[] = [
  {
    provider: "stripe",
    verifier: createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    sign: async (payload) => stripeRequest(payload, stripeSecrets[1] ?? ""),
    signature: { header: "stripe-signature", span: (value) => ({ start: value.indexOf(",v1=") + 4, end: value.length }) },
    timestamp: { header: "stripe-signature", span: (value) => ({ start: 2, end: value.indexOf(",") }) },
  },
  {
    provider: "github",
    verifier: createVerifier({ provider: "github", secrets: githubSecrets }),
    sign: (payload) => githubRequest(payload, githubSecrets[1] ?? ""),
    signature: { header: "x-hub-signature-256", span: afterPrefix("sha256=") },
    timestamp: null,
  },
  {
    provider: "standard-webhooks",
    verifier: createVerifier({ provider: "standard-webhooks", secrets: standardSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    sign: async (payload) => standardWebhookRequest(payload, standardSecrets[1] ?? ""),
    signature: { header: "webhook-signature", span: afterPrefix("v1,") },
    timestamp: { header: "webhook-timestamp", span: wholeValue },
  },
  {
    provider: "hmac",
    verifier: createVerifier({ provider: "hmac", secrets: hmacSecrets, toleranceSeconds: TOLERANCE_SECONDS, hmac: hmacOptions }),
    sign: async (payload) => {
      const rawBody = Buffer.from(payload, "utf8");
      return signedRequest(rawBody, signHmac(hmacOptions, hmacSecrets[1] ?? "", rawBody, NOW_SECONDS));
    },
    signature: { header: "x-signature", span: afterPrefix("v1=") },
    timestamp: { header: "x-timestamp", span: wholeValue },
  },
];

// Non-empty bodies of any code points (octokit's signer refuses an empty payload).
const payloads = fc.string({ unit: "binary", minLength: 1, maxLength: 512 });
// A position (reduced modulo the length) and a non-zero XOR mask, so the byte always changes.
const positions = fc.nat();
const masks = fc.integer({ min: 1, max: 255 });

function flipBodyByte(request: SignedRequest, position: number, mask: number): SignedRequest {
  const rawBody = Buffer.from(request.rawBody);
  const index = position % rawBody.length;
  rawBody[index] = (rawBody[index] ?? 0) ^ mask;
  return { rawBody, headers: request.headers };
}

function flipHeaderByte(request: SignedRequest, part: HeaderSpan, position: number, mask: number): SignedRequest {
  const value = header(request, part.header);
  const { start, end } = part.span(value);
  const index = start + (position % (end - start));
  const flipped = String.fromCharCode(value.charCodeAt(index) ^ mask);
  return withHeader(request, part.header, value.slice(0, index) + flipped + value.slice(index + 1));
}

async function verifyTampered(
  target: TamperTarget,
  payload: string,
  tamper: (request: SignedRequest) => SignedRequest,
): Promise<void> {
  const request = await target.sign(payload);
  assert.equal(target.verifier.verify(request, NOW).ok, true, "the untouched request verifies");

  const result = target.verifier.verify(tamper(request), NOW);

  assert.equal(result.ok, false);
}

for (const target of targets) {
  describe(`${target.provider}: tampering with one byte`, () => {
    it("of the body makes verification fail", async () => {
      await fc.assert(
        fc.asyncProperty(payloads, positions, masks, (payload, position, mask) =>
          verifyTampered(target, payload, (request) => flipBodyByte(request, position, mask)),
        ),
      );
    });

    it("of the signature makes verification fail", async () => {
      await fc.assert(
        fc.asyncProperty(payloads, positions, masks, (payload, position, mask) =>
          verifyTampered(target, payload, (request) => flipHeaderByte(request, target.signature, position, mask)),
        ),
      );
    });

    const timestamp = target.timestamp;
    if (timestamp !== null) {
      it("of the timestamp makes verification fail", async () => {
        await fc.assert(
          fc.asyncProperty(payloads, positions, masks, (payload, position, mask) =>
            verifyTampered(target, payload, (request) => flipHeaderByte(request, timestamp, position, mask)),
          ),
        );
      });
    }
  });
}

// Properties over random bodies: the untouched request verifies, and changing any one byte of
// the body, the timestamp or the signature makes it fail, for every provider.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { SignedRequest } from "../src/index.ts";
import { NOW, NOW_SECONDS, header, withHeader } from "./fixtures.ts";
import { schemes, type HeaderSpan, type SchemeFixture } from "./schemes.ts";

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

async function verifyTampered(scheme: SchemeFixture, payload: string, tamper: (request: SignedRequest) => SignedRequest): Promise<void> {
  const request = await scheme.sign(payload, scheme.secrets[1] ?? "", NOW_SECONDS);
  assert.equal(scheme.verifier.verify(request, NOW).ok, true, "the untouched request verifies");

  const result = scheme.verifier.verify(tamper(request), NOW);

  assert.equal(result.ok, false);
}

for (const scheme of schemes) {
  describe(`${scheme.provider}: tampering with one byte`, () => {
    it("of the body makes verification fail", async () => {
      await fc.assert(
        fc.asyncProperty(payloads, positions, masks, (payload, position, mask) =>
          verifyTampered(scheme, payload, (request) => flipBodyByte(request, position, mask)),
        ),
      );
    });

    it("of the signature makes verification fail", async () => {
      await fc.assert(
        fc.asyncProperty(payloads, positions, masks, (payload, position, mask) =>
          verifyTampered(scheme, payload, (request) => flipHeaderByte(request, scheme.signature, position, mask)),
        ),
      );
    });

    const timestamp = scheme.timestamp;
    if (timestamp !== null) {
      it("of the timestamp makes verification fail", async () => {
        await fc.assert(
          fc.asyncProperty(payloads, positions, masks, (payload, position, mask) =>
            verifyTampered(scheme, payload, (request) => flipHeaderByte(request, timestamp, position, mask)),
          ),
        );
      });
    }
  });
}

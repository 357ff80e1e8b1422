import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SignatureConfigError, createVerifier, signHmac } from "../src/index.ts";
import type { HmacSchemeOptions, SignedRequest } from "../src/index.ts";
import { EVENT_BODY, NOW, NOW_SECONDS, TOLERANCE_SECONDS, header, hmacSecrets, itRejects, signedRequest, withHeader } from "./fixtures.ts";

const [currentSecret = ""] = hmacSecrets;
const timestamped: HmacSchemeOptions = {
  header: "x-signature",
  algorithm: "sha256",
  encoding: "hex",
  prefix: "sha256=",
  timestampHeader: "x-timestamp",
};

function hmacVerifier(options: HmacSchemeOptions, secrets: readonly string[] = hmacSecrets) {
  return createVerifier({ provider: "hmac", secrets, toleranceSeconds: TOLERANCE_SECONDS, options });
}

function signed(options: HmacSchemeOptions, secret: string, body = EVENT_BODY, timestampSeconds?: number): SignedRequest {
  const rawBody = Buffer.from(body, "utf8");
  return signedRequest(rawBody, signHmac(options, secret, rawBody, timestampSeconds));
}

describe("hmac verifier", () => {
  // RFC 4231 test case 2, so signHmac is checked against a published vector, not against itself.
  it("signs the RFC 4231 test vector for both algorithms", () => {
    const body = Buffer.from("what do ya want for nothing?");
    const sha256 = signHmac({ header: "x-signature", algorithm: "sha256", encoding: "hex" }, "Jefe", body);
    const sha512 = signHmac({ header: "x-signature", algorithm: "sha512", encoding: "hex" }, "Jefe", body);

    assert.deepEqual(sha256, { "x-signature": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" });
    assert.deepEqual(sha512, {
      "x-signature": "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    });
  });

  for (const algorithm of ["sha256", "sha512"] as const) {
    for (const encoding of ["hex", "base64"] as const) {
      it(`accepts what signHmac sends for ${algorithm} in ${encoding}`, () => {
        const options: HmacSchemeOptions = { header: "x-signature", algorithm, encoding };

        const result = hmacVerifier(options).verify(signed(options, currentSecret), NOW);

        assert.deepEqual(result, { ok: true, scheme: `hmac-${algorithm}`, secretIndex: 0, timestampMs: null });
      });
    }
  }

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the test's name quotes the signed string's shape.
  it("signs `${timestamp}.${body}` and reports the timestamp when a timestampHeader is configured", () => {
    const request = signed(timestamped, currentSecret, EVENT_BODY, NOW_SECONDS);

    const result = hmacVerifier(timestamped).verify(request, NOW);

    assert.equal(header(request, "x-timestamp"), String(NOW_SECONDS));
    assert.match(header(request, "x-signature"), /^sha256=[0-9a-f]{64}$/);
    assert.deepEqual(result, { ok: true, scheme: "hmac-sha256", secretIndex: 0, timestampMs: NOW_SECONDS * 1000 });
  });

  it("sends and looks up header names lower-cased, whatever case the options use", () => {
    const options: HmacSchemeOptions = { ...timestamped, header: "X-Signature", timestampHeader: "X-Timestamp" };
    const request = signed(options, currentSecret, EVENT_BODY, NOW_SECONDS);

    assert.deepEqual(Object.keys(request.headers).sort(), ["x-signature", "x-timestamp"]);
    assert.equal(hmacVerifier(options).verify(request, NOW).ok, true);
  });

  it("refuses to sign with a timestamp the scheme would not send", () => {
    const untimed: HmacSchemeOptions = { header: "x-signature", algorithm: "sha256", encoding: "hex" };

    assert.throws(
      () => signHmac(untimed, currentSecret, Buffer.from(EVENT_BODY), NOW_SECONDS),
      (error) => error instanceof SignatureConfigError && error.code === "invalid_timestamp",
    );
  });

  describe("failures with a prefixed hex signature and a timestamp header", () => {
    const request = signed(timestamped, currentSecret, EVENT_BODY, NOW_SECONDS);
    const hex = header(request, "x-signature").slice("sha256=".length);

    itRejects(hmacVerifier(timestamped), [
      { name: "a request without the signature header", request: withHeader(request, "x-signature", undefined), reason: "missing_signature" },
      { name: "a request without the timestamp header", request: withHeader(request, "x-timestamp", undefined), reason: "missing_signature" },
      { name: "a value without the configured prefix", request: withHeader(request, "x-signature", hex), reason: "malformed_signature" },
      { name: "a value that is not hex", request: withHeader(request, "x-signature", `sha256=${hex.slice(2)}xy`), reason: "malformed_signature" },
      { name: "a non-numeric timestamp", request: withHeader(request, "x-timestamp", "soon"), reason: "malformed_signature" },
      { name: "a negative timestamp", request: withHeader(request, "x-timestamp", `-${NOW_SECONDS}`), reason: "malformed_signature" },
      { name: "a signature of the wrong length", request: withHeader(request, "x-signature", `sha256=${hex.slice(0, 32)}`), reason: "signature_mismatch" },
      { name: "a signature by another secret", request: signed(timestamped, "another-secret", EVENT_BODY, NOW_SECONDS), reason: "signature_mismatch" },
    ]);
  });

  describe("failures with a bare base64 signature", () => {
    const base64Options: HmacSchemeOptions = { header: "x-signature", algorithm: "sha256", encoding: "base64" };
    const request = signed(base64Options, currentSecret);

    itRejects(hmacVerifier(base64Options), [
      { name: "a value that is not base64", request: withHeader(request, "x-signature", "not base64!"), reason: "malformed_signature" },
      {
        name: "a signature of sha512 where sha256 is configured",
        request: signed({ ...base64Options, algorithm: "sha512" }, currentSecret),
        reason: "signature_mismatch",
      },
    ]);
  });
});

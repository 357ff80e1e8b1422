import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SignatureConfigError, createVerifier } from "../src/index.ts";
import type { SignedRequest } from "../src/index.ts";
import { NOW, NOW_SECONDS, TOLERANCE_SECONDS, signedRequest, withHeader } from "./fixtures.ts";
import { schemes, type SchemeFixture } from "./schemes.ts";

const BODY = '{"card":"4242424242424242","cvc":"987"}';

/** Secrets (with and without whsec_), the body, every header value and every long token in one. */
function forbiddenStrings(secrets: readonly string[], requests: readonly SignedRequest[]): string[] {
  const values = requests.flatMap((request) => Object.values(request.headers).filter((value) => value !== undefined));
  const tokens = values.flatMap((value) => value.split(/[,= ]/)).filter((token) => token.length >= 16);
  return [...secrets, ...secrets.map((secret) => secret.replace(/^whsec_/, "")), BODY, "4242424242424242", ...values, ...tokens];
}

/** Every kind of failure, made from one good request: each header dropped or corrupted, body changed, wrong secret, old, future. */
async function failingVariants(scheme: SchemeFixture): Promise<SignedRequest[]> {
  const secret = scheme.secrets[0] ?? "";
  const good = await scheme.sign(BODY, secret, NOW_SECONDS);
  const names = Object.keys(good.headers);
  const outOfTolerance =
    scheme.timestamp === null
      ? []
      : [await scheme.sign(BODY, secret, NOW_SECONDS - TOLERANCE_SECONDS - 60), await scheme.sign(BODY, secret, NOW_SECONDS + TOLERANCE_SECONDS + 60)];
  return [
    ...names.map((name) => withHeader(good, name, undefined)),
    ...names.map((name) => withHeader(good, name, `${good.headers[name] ?? ""}!`)),
    signedRequest(`${BODY} `, good.headers),
    await scheme.sign(BODY, scheme.unconfiguredSecret, NOW_SECONDS),
    ...outOfTolerance,
  ];
}

describe("failure messages", () => {
  for (const scheme of schemes) {
    it(`${scheme.provider}: never contain a secret, a signature or body bytes`, async () => {
      const requests = await failingVariants(scheme);
      const forbidden = forbiddenStrings(scheme.secrets, requests);

      for (const request of requests) {
        const result = scheme.verifier.verify(request, NOW);
        assert.equal(result.ok, false);
        const message = result.ok ? "" : result.message;
        assert.ok(message.length > 0);
        for (const value of forbidden) {
          assert.ok(!message.includes(value), `message "${message}" leaks a value`);
        }
      }
    });
  }

  it("cover every failure reason across the schemes above", async () => {
    const reasons = new Set<string>();
    for (const scheme of schemes) {
      for (const request of await failingVariants(scheme)) {
        const result = scheme.verifier.verify(request, NOW);
        reasons.add(result.ok ? "ok" : result.reason);
      }
    }

    assert.deepEqual([...reasons].sort(), ["malformed_signature", "missing_signature", "signature_mismatch", "timestamp_in_future", "timestamp_too_old"]);
  });
});

describe("configuration error messages", () => {
  it("name the problem and the secret's position but not the secret", () => {
    const secret = "whsec_not*base64*at*all";

    assert.throws(
      () => createVerifier({ provider: "standard-webhooks", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secret], toleranceSeconds: 300 }),
      (error) =>
        error instanceof SignatureConfigError &&
        error.message.includes("secrets[1]") &&
        !error.message.includes(secret) &&
        !error.message.includes("not*base64*at*all"),
    );
  });
});

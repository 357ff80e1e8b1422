import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SignatureConfigError, createVerifier, signHmac } from "../src/index.ts";
import type { HmacSchemeOptions, SignedRequest, Verifier } from "../src/index.ts";
import {
  NOW,
  NOW_SECONDS,
  TOLERANCE_SECONDS,
  githubRequest,
  githubSecrets,
  hmacSecrets,
  signedRequest,
  standardSecrets,
  standardWebhookRequest,
  stripeRequest,
  stripeSecrets,
  withHeader,
} from "./fixtures.ts";

const BODY = '{"card":"4242424242424242","cvc":"987"}';
const hmacOptions: HmacSchemeOptions = { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=", timestampHeader: "x-timestamp" };

interface Scheme {
  name: string;
  secrets: readonly string[];
  /** A well-formed secret for this scheme that the verifier is not configured with. */
  unconfiguredSecret: string;
  verifier: Verifier;
  timestamped: boolean;
  signAt: (secret: string, seconds: number) => Promise<SignedRequest>;
}

const schemes: Scheme[] = [
  {
    name: "stripe",
    secrets: stripeSecrets,
    unconfiguredSecret: "whsec_unconfiguredStripeSecret",
    timestamped: true,
    verifier: createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    signAt: async (secret, seconds) => stripeRequest(BODY, secret, seconds),
  },
  {
    name: "github",
    secrets: githubSecrets,
    unconfiguredSecret: "unconfigured-github-secret",
    timestamped: false,
    verifier: createVerifier({ provider: "github", secrets: githubSecrets }),
    signAt: (secret) => githubRequest(BODY, secret),
  },
  {
    name: "standard-webhooks",
    secrets: standardSecrets,
    unconfiguredSecret: "whsec_dW5jb25maWd1cmVkLXNlY3JldA==",
    timestamped: true,
    verifier: createVerifier({ provider: "standard-webhooks", secrets: standardSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    signAt: async (secret, seconds) => standardWebhookRequest(BODY, secret, seconds),
  },
  {
    name: "hmac",
    secrets: hmacSecrets,
    unconfiguredSecret: "unconfigured-hmac-secret",
    timestamped: true,
    verifier: createVerifier({ provider: "hmac", secrets: hmacSecrets, toleranceSeconds: TOLERANCE_SECONDS, hmac: hmacOptions }),
    signAt: async (secret, seconds) => signedRequest(BODY, signHmac(hmacOptions, secret, Buffer.from(BODY), seconds)),
  },
];

/** Secrets (with and without whsec_), the body, every header value and every token in it. */
function forbiddenStrings(secrets: readonly string[], requests: readonly SignedRequest[]): string[] {
  const values = requests.flatMap((request) => Object.values(request.headers).filter((value) => value !== undefined));
  const tokens = values.flatMap((value) => value.split(/[,= ]/)).filter((token) => token.length >= 16);
  return [...secrets, ...secrets.map((secret) => secret.replace(/^whsec_/, "")), BODY, "4242424242424242", ...values, ...tokens];
}

/** Every kind of failure, made from one good request: each header dropped or corrupted, body changed, wrong secret, old, future. */
async function failingVariants(scheme: Scheme): Promise<SignedRequest[]> {
  const secret = scheme.secrets[0] ?? "";
  const good = await scheme.signAt(secret, NOW_SECONDS);
  const names = Object.keys(good.headers);
  const outOfTolerance = scheme.timestamped
    ? [await scheme.signAt(secret, NOW_SECONDS - TOLERANCE_SECONDS - 60), await scheme.signAt(secret, NOW_SECONDS + TOLERANCE_SECONDS + 60)]
    : [];
  return [
    ...names.map((name) => withHeader(good, name, undefined)),
    ...names.map((name) => withHeader(good, name, `${good.headers[name] ?? ""}!`)),
    signedRequest(`${BODY} `, good.headers),
    await scheme.signAt(scheme.unconfiguredSecret, NOW_SECONDS),
    ...outOfTolerance,
  ];
}

describe("failure messages", () => {
  for (const scheme of schemes) {
    it(`${scheme.name}: never contain a secret, a signature or body bytes`, async () => {
      const requests = await failingVariants(scheme);
      const forbidden = forbiddenStrings(scheme.secrets, requests);

      for (const request of requests) {
        const result = scheme.verifier.verify(request, NOW);
        assert.equal(result.ok, false);
        for (const value of forbidden) {
          assert.ok(!result.ok && !result.message.includes(value), `message "${result.ok ? "" : result.message}" leaks a value`);
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

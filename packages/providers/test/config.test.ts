import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SignatureConfigError, createVerifier, signHmac } from "../src/index.ts";
import type { HmacSchemeOptions, VerifierSpec } from "../src/index.ts";

const hmac: HmacSchemeOptions = { header: "x-signature", algorithm: "sha256", encoding: "hex" };

function configErrorCode(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    assert.ok(error instanceof SignatureConfigError, "throws a SignatureConfigError");
    assert.equal(error.retryable, false);
    return error.code;
  }
  return "no error";
}

describe("createVerifier", () => {
  it("builds a verifier for each provider, which reports its provider", () => {
    const specs: VerifierSpec[] = [
      { provider: "stripe", secrets: ["whsec_a"], toleranceSeconds: 300 },
      { provider: "github", secrets: ["a"] },
      { provider: "standard-webhooks", secrets: ["whsec_YWJj"], toleranceSeconds: 300 },
      { provider: "hmac", secrets: ["a"], toleranceSeconds: 300, options: hmac },
    ];

    assert.deepEqual(
      specs.map((spec) => createVerifier(spec).provider),
      ["stripe", "github", "standard-webhooks", "hmac"],
    );
  });

  const unusable: { name: string; spec: VerifierSpec; code: string }[] = [
    { name: "an empty secret list", spec: { provider: "github", secrets: [] }, code: "no_secrets" },
    { name: "an empty secret", spec: { provider: "stripe", secrets: ["whsec_a", ""], toleranceSeconds: 300 }, code: "empty_secret" },
    {
      name: "a secret with a trailing newline",
      spec: { provider: "hmac", secrets: ["secret\n"], toleranceSeconds: 300, options: hmac },
      code: "secret_whitespace",
    },
    {
      name: "a whsec_ secret that is not base64",
      spec: { provider: "standard-webhooks", secrets: ["whsec_???"], toleranceSeconds: 300 },
      code: "invalid_secret_encoding",
    },
    {
      name: "a whsec_ secret with nothing after the prefix",
      spec: { provider: "standard-webhooks", secrets: ["whsec_"], toleranceSeconds: 300 },
      code: "invalid_secret_encoding",
    },
    { name: "a negative tolerance", spec: { provider: "stripe", secrets: ["whsec_a"], toleranceSeconds: -1 }, code: "invalid_tolerance" },
    { name: "an infinite tolerance", spec: { provider: "standard-webhooks", secrets: ["whsec_YWJj"], toleranceSeconds: Infinity }, code: "invalid_tolerance" },
    { name: "a NaN tolerance", spec: { provider: "hmac", secrets: ["a"], toleranceSeconds: Number.NaN, options: hmac }, code: "invalid_tolerance" },
    {
      name: "an empty hmac header name",
      spec: { provider: "hmac", secrets: ["a"], toleranceSeconds: 300, options: { ...hmac, header: "" } },
      code: "invalid_hmac_options",
    },
    {
      name: "an hmac algorithm outside sha256/sha512",
      spec: { provider: "hmac", secrets: ["a"], toleranceSeconds: 300, options: { ...hmac, algorithm: "md5" as unknown as HmacSchemeOptions["algorithm"] } },
      code: "invalid_hmac_options",
    },
    { name: "a provider it does not know", spec: { provider: "paypal", secrets: ["a"] } as unknown as VerifierSpec, code: "unknown_provider" },
  ];
  for (const { name, spec, code } of unusable) {
    it(`throws ${code} for ${name}`, () => {
      assert.equal(
        configErrorCode(() => createVerifier(spec)),
        code,
      );
    });
  }
});

describe("signHmac", () => {
  it("throws invalid_timestamp for a timestamp that is not whole unix seconds", () => {
    const timestamped: HmacSchemeOptions = { ...hmac, timestampHeader: "x-timestamp" };

    assert.equal(
      configErrorCode(() => signHmac(timestamped, "a", Buffer.from("{}"), 1.5)),
      "invalid_timestamp",
    );
  });

  it("throws empty_secret rather than signing with an empty key", () => {
    assert.equal(
      configErrorCode(() => signHmac(hmac, "", Buffer.from("{}"))),
      "empty_secret",
    );
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { loadSources, parseSources, secretEnvVar, SourcesConfigError } from "../src/index.ts";

describe("sources", () => {
  it("loads the shipped hooklog.config.yaml with stripe, github and acme", () => {
    const sources = loadSources({ STRIPE_WEBHOOK_SECRET: "whsec_a, whsec_b" });
    const byName = new Map(sources.map((source) => [source.name, source]));
    assert.equal(byName.get("stripe")?.provider, "stripe");
    assert.equal(byName.get("github")?.provider, "github");
    assert.equal(byName.get("acme")?.provider, "standard-webhooks");
    assert.deepEqual(byName.get("stripe")?.secrets, ["whsec_a", "whsec_b"]);
    assert.deepEqual(byName.get("github")?.secrets, []);
    assert.equal(byName.get("stripe")?.topic, "webhooks.stripe");
    assert.equal(byName.get("github")?.maxBodyBytes, 25 * 1024 * 1024);
    assert.equal(byName.get("acme")?.maxBodyBytes, 1024 * 1024);
  });

  it("derives the secret variable from the source name", () => {
    assert.equal(secretEnvVar("acme-eu"), "ACME_EU_WEBHOOK_SECRET");
  });

  it("names every bad field", () => {
    const text = [
      "sources:",
      "  Bad_Name: { provider: stripe }",
      "  shop: { provider: paypal }",
      "  signer: { provider: hmac }",
      "  big: { provider: github, maxBodyBytes: 999999999 }",
    ].join("\n");
    assert.throws(
      () => parseSources(text, {}),
      (error: unknown) => {
        assert.ok(error instanceof SourcesConfigError);
        for (const field of ["Bad_Name", "shop.provider", "signer.hmac", "big.maxBodyBytes"])
          assert.match(error.message, new RegExp(field.replace(".", "\\.")));
        return true;
      },
    );
  });

  it("rejects unknown keys instead of ignoring a typo", () => {
    assert.throws(() => parseSources("sources:\n  s: { provider: github, tolerance: 5 }\n", {}), /tolerance/);
  });
});

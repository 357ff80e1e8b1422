import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { providerModule } from "@hooklog/providers";
import { loadSources, parseSources, secretEnvVar, SourcesConfigError } from "../src/index.ts";

const rejection = (text: string): string => {
  try {
    parseSources(text, {});
  } catch (error) {
    assert.ok(error instanceof SourcesConfigError);
    return error.message;
  }
  return assert.fail("the file was accepted");
};

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

  it("takes no compressed bodies unless a source names the encodings it takes", () => {
    const [plain, compressed] = parseSources("sources:\n  plain: { provider: stripe }\n  packed: { provider: stripe, contentEncodings: [gzip, br] }\n", {});

    assert.deepEqual(plain?.contentEncodings, []);
    assert.deepEqual(compressed?.contentEncodings, ["gzip", "br"]);
    assert.match(rejection("sources:\n  packed: { provider: stripe, contentEncodings: [zstd] }\n"), /contentEncodings/);
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

  describe("a provider's own block, validated by its module", () => {
    it("gives the hmac module its block with the defaults filled in and the header names lower-cased", () => {
      const [signer] = parseSources("sources:\n  signer: { provider: hmac, hmac: { header: X-Signature, timestampHeader: X-Timestamp } }\n", {});

      assert.deepEqual(signer?.options, { header: "x-signature", algorithm: "sha256", encoding: "hex", timestampHeader: "x-timestamp" });
      assert.deepEqual(signer && providerModule("hmac").options?.of(signer), signer?.options);
    });

    it("gives the github module its hooks, and a github source without them no block", () => {
      const text = "sources:\n  hooked: { provider: github, githubHooks: [{ owner: octo-org, repo: shop, hookId: 7 }] }\n  plain: { provider: github }\n";
      const [hooked, plain] = parseSources(text, {});

      assert.deepEqual(hooked?.options, [{ owner: "octo-org", repo: "shop", hookId: 7 }]);
      assert.equal(plain?.options, undefined);
    });

    it("names the path of a bad field inside the block", () => {
      assert.match(rejection("sources:\n  signer: { provider: hmac, hmac: { header: x-sig, algorithm: md5 } }\n"), /signer\.hmac\.algorithm/);
      assert.match(rejection("sources:\n  gh: { provider: github, githubHooks: [{ owner: o, repo: r, hookId: 0 }] }\n"), /gh\.githubHooks\[0\]\.hookId/);
      assert.match(rejection("sources:\n  signer: { provider: hmac, hmac: { header: x-sig, secret: s } }\n"), /secret/);
    });

    it("refuses a block on a source of another provider, naming the provider that takes it", () => {
      const githubHooksOnStripe = rejection("sources:\n  shop: { provider: stripe, githubHooks: [{ owner: o, repo: r, hookId: 1 }] }\n");
      const hmacOnGithub = rejection("sources:\n  gh: { provider: github, hmac: { header: x-sig } }\n");

      assert.match(githubHooksOnStripe, /only provider github takes the githubHooks block \(this source is stripe\)/);
      assert.match(githubHooksOnStripe, /shop\.githubHooks/);
      assert.match(hmacOnGithub, /only provider hmac takes the hmac block \(this source is github\)/);
    });

    it("refuses a source without the block its provider requires", () => {
      assert.match(rejection("sources:\n  signer: { provider: hmac }\n"), /provider hmac needs the hmac: \{ header, algorithm, encoding \} block/);
    });
  });
});

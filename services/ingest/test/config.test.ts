import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { loadIngestConfig } from "../src/config.ts";

// The shipped hooklog.config.yaml's sources, with secrets, so only the settings under test vary.
const secrets = { STRIPE_WEBHOOK_SECRET: "whsec_test", GITHUB_WEBHOOK_SECRET: "github-test", ACME_WEBHOOK_SECRET: "whsec_dGVzdHRlc3R0ZXN0dGVzdA==" };

describe("ingest's settings", () => {
  it("listens publicly on INGEST_PORT and privately on the operations port, trusting no proxy, by default", () => {
    const config = loadIngestConfig(secrets);

    assert.deepEqual(
      [config.INGEST_HOST, config.INGEST_PORT, config.INGEST_OPS_HOST, config.INGEST_OPS_PORT, config.INGEST_TRUST_PROXY],
      ["0.0.0.0", 3000, "127.0.0.1", 9464, false],
    );
  });

  for (const [value, parsed] of [
    ["loopback, 10.0.0.0/8", "loopback, 10.0.0.0/8"],
    ["2", 2],
    ["true", true],
    ["::1/128", "::1/128"],
  ] as const) {
    it(`takes INGEST_TRUST_PROXY=${value}`, () => {
      assert.equal(loadIngestConfig({ ...secrets, INGEST_TRUST_PROXY: value }).INGEST_TRUST_PROXY, parsed);
    });
  }

  for (const value of ["TRUE", "10.0.0.1/40", "proxy.internal"]) {
    it(`refuses INGEST_TRUST_PROXY=${value}, naming the variable`, () => {
      assert.throws(() => loadIngestConfig({ ...secrets, INGEST_TRUST_PROXY: value }), /INGEST_TRUST_PROXY: expected false, true, a hop count/);
    });
  }

  it("refuses a headers timeout longer than the request timeout, which Node would not start with", () => {
    assert.throws(
      () => loadIngestConfig({ ...secrets, INGEST_HEADERS_TIMEOUT_MS: "40000", INGEST_REQUEST_TIMEOUT_MS: "30000" }),
      /INGEST_HEADERS_TIMEOUT_MS must not be larger than INGEST_REQUEST_TIMEOUT_MS/,
    );
  });
});

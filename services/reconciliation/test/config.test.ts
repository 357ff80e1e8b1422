import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { loadReconciliationConfig } from "../src/config.ts";

describe("reconciliation's configuration", () => {
  it("defaults to Stripe's and GitHub's APIs, every 5 minutes, a 10-minute overlap and port 3104", () => {
    const config = loadReconciliationConfig({});

    assert.equal(config.stripeEndpoint, undefined);
    assert.equal(config.GITHUB_API_BASE, "https://api.github.com");
    assert.deepEqual([config.RECONCILIATION_INTERVAL_SECONDS, config.RECONCILIATION_OVERLAP_MINUTES, config.RECONCILIATION_PORT, config.RECONCILIATION_GITHUB_MODE], [300, 10, 3104, "redeliver"]);
  });

  it("parses STRIPE_API_BASE into the host, port and protocol the Stripe SDK takes", () => {
    assert.deepEqual(loadReconciliationConfig({ STRIPE_API_BASE: "http://127.0.0.1:12111" }).stripeEndpoint, { host: "127.0.0.1", port: 12111, protocol: "http" });
    assert.deepEqual(loadReconciliationConfig({ STRIPE_API_BASE: "https://stripe-proxy.internal/" }).stripeEndpoint, { host: "stripe-proxy.internal", port: 443, protocol: "https" });
  });

  it("refuses a malformed setting, naming the variable and what it expects", () => {
    assert.throws(() => loadReconciliationConfig({ STRIPE_API_KEY: "pk_live_123" }), /STRIPE_API_KEY: expected a Stripe secret or restricted key/);
    assert.throws(() => loadReconciliationConfig({ STRIPE_API_BASE: "http://127.0.0.1:12111/v1" }), /STRIPE_API_BASE: must be scheme:\/\/host\[:port\] without a path/);
    assert.throws(() => loadReconciliationConfig({ RECONCILIATION_GITHUB_MODE: "poll" }), /RECONCILIATION_GITHUB_MODE/);
    assert.throws(() => loadReconciliationConfig({ GITHUB_API_BASE: "ftp://github.example" }), /GITHUB_API_BASE: expected an http\(s\) URL/);
  });
});

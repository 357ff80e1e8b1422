import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { loadReconciliationConfig } from "../src/config.ts";

describe("reconciliation's configuration", () => {
  it("defaults to every 5 minutes, a 10-minute overlap and port 3104, with the API access of every provider that has an API", () => {
    const config = loadReconciliationConfig({});

    assert.deepEqual([config.RECONCILIATION_INTERVAL_SECONDS, config.RECONCILIATION_OVERLAP_MINUTES, config.RECONCILIATION_PORT], [300, 10, 3104]);
    assert.deepEqual([...config.apiAccess.keys()].sort(), ["github", "stripe"]);
  });

  it("refuses a malformed provider setting, naming the variable and what it expects", () => {
    assert.throws(() => loadReconciliationConfig({ STRIPE_API_KEY: "pk_live_123" }), /STRIPE_API_KEY: expected a Stripe secret or restricted key/);
    assert.throws(
      () => loadReconciliationConfig({ STRIPE_API_BASE: "http://127.0.0.1:12111/v1" }),
      /STRIPE_API_BASE: must be scheme:\/\/host\[:port\] without a path/,
    );
    assert.throws(() => loadReconciliationConfig({ RECONCILIATION_GITHUB_MODE: "poll" }), /RECONCILIATION_GITHUB_MODE/);
    assert.throws(() => loadReconciliationConfig({ GITHUB_API_BASE: "ftp://github.example" }), /GITHUB_API_BASE: expected an http\(s\) URL/);
  });
});

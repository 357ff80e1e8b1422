import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ConfigError } from "@hooklog/config";
import { loadReconciliationConfig } from "../src/config.ts";

describe("reconciliation's configuration", () => {
  it("defaults to every 5 minutes, a 10-minute overlap and port 3104, with the API access of every provider that has an API", () => {
    const config = loadReconciliationConfig({});

    assert.deepEqual([config.RECONCILIATION_INTERVAL_SECONDS, config.RECONCILIATION_OVERLAP_MINUTES, config.RECONCILIATION_PORT], [300, 10, 3104]);
    assert.deepEqual([...config.apiAccess.keys()].sort(), ["github", "stripe"]);
  });

  it("binds to 127.0.0.1 and accepts no admin token until told otherwise", () => {
    const config = loadReconciliationConfig({});

    assert.equal(config.RECONCILIATION_HOST, "127.0.0.1");
    assert.deepEqual(config.HOOKLOG_ADMIN_TOKENS, []);
  });

  it("refuses an admin token shorter than 16 characters as a configuration error, without repeating it", () => {
    assert.throws(
      () => loadReconciliationConfig({ HOOKLOG_ADMIN_TOKENS: "hla_rotating-out-token-1,letmein" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /^reconciliation: invalid configuration:\n {2}- HOOKLOG_ADMIN_TOKENS: token 2 of 2 is 7 characters; each must be at least 16/,
        );
        assert.doesNotMatch(error.message, /letmein/);
        return true;
      },
    );
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

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { stripeEndpoint } from "../src/stripe/api-settings.ts";
import { githubReconciliation } from "../src/github/api-settings.ts";
import { stripeReconciliation } from "../src/stripe/api-settings.ts";

const source = { name: "payments", eventTypes: undefined };

describe("providers' API settings", () => {
  it("parses STRIPE_API_BASE into the host, port and protocol the Stripe SDK takes", () => {
    assert.deepEqual(stripeEndpoint("reconciliation", "http://127.0.0.1:12111"), { host: "127.0.0.1", port: 12111, protocol: "http" });
    assert.deepEqual(stripeEndpoint("reconciliation", "https://stripe-proxy.internal/"), { host: "stripe-proxy.internal", port: 443, protocol: "https" });
  });

  it("says which variable or block a source lacks before it can be reconciled", () => {
    assert.equal(stripeReconciliation.loadAccess("reconciliation", {}).missing(source), "set STRIPE_API_KEY to reconcile Stripe sources");
    assert.equal(stripeReconciliation.loadAccess("reconciliation", { STRIPE_API_KEY: "sk_test_123" }).missing(source), undefined);
    assert.equal(githubReconciliation.loadAccess("reconciliation", {}).missing(source), "set GITHUB_TOKEN to reconcile GitHub sources");
    assert.match(githubReconciliation.loadAccess("reconciliation", { GITHUB_TOKEN: "ghp_x" }).missing(source) ?? "", /githubHooks/);
    const hooked = { ...source, options: [{ owner: "octo-org", repo: "hello-world", hookId: 1 }] };
    assert.equal(githubReconciliation.loadAccess("reconciliation", { GITHUB_TOKEN: "ghp_x" }).missing(hooked), undefined);
  });
});

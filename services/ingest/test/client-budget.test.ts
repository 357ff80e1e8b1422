import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ClientBudget, clientKey } from "../src/client-budget.ts";

describe("clientKey", () => {
  for (const [address, key] of [
    ["127.0.0.2", "127.0.0.2"],
    ["::ffff:10.0.0.1", "10.0.0.1"],
    ["::FFFF:10.0.0.1", "10.0.0.1"],
    ["::ffff:a00:1", "10.0.0.1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2::9", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["1:2:3:4:5:6:7:8:9::1", "unknown"],
    ["junk", "unknown"],
  ] as const) {
    it(`keys ${JSON.stringify(address)} as ${key}`, () => {
      assert.equal(clientKey(address), key);
    });
  }
});

describe("ClientBudget", () => {
  it("has room for a client until its burst of failures, then says how long to wait, and refills at its rate", () => {
    let now = 0;
    const budget = new ClientBudget({ perSecond: 0.5, burst: 3 }, () => now);

    assert.equal(budget.exhausted("a"), undefined);
    for (let failure = 0; failure < 3; failure += 1) budget.charge("a");

    assert.equal(budget.exhausted("a"), 2);
    assert.equal(budget.exhausted("b"), undefined);
    now += 2000;
    assert.equal(budget.exhausted("a"), undefined);
  });
});

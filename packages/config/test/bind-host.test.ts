import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { bindHost, loadConfig } from "../src/index.ts";

const load = (env: NodeJS.ProcessEnv) => loadConfig("fulfillment", { FULFILLMENT_HOST: bindHost }, env);

describe("a service's <SERVICE>_HOST", () => {
  it("is loopback when unset or empty, so no port is public by accident", () => {
    assert.equal(load({}).FULFILLMENT_HOST, "127.0.0.1");
    assert.equal(load({ FULFILLMENT_HOST: "" }).FULFILLMENT_HOST, "127.0.0.1");
  });

  it("takes every address a container or host may bind to", () => {
    for (const host of ["0.0.0.0", "::", "::1", "10.1.2.3", "localhost", "fulfillment.internal"])
      assert.equal(load({ FULFILLMENT_HOST: host }).FULFILLMENT_HOST, host);
  });

  it("refuses what is no address, naming the variable", () => {
    assert.throws(() => load({ FULFILLMENT_HOST: "http://0.0.0.0" }), /FULFILLMENT_HOST: expected an IP address or a host name/);
    assert.throws(() => load({ FULFILLMENT_HOST: "0.0.0.0:3101" }), /FULFILLMENT_HOST/);
  });
});

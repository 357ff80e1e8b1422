import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { EVENT_BODY, NOW, NOW_SECONDS } from "./fixtures.ts";
import { schemes } from "./schemes.ts";

for (const { provider, secrets, verifier, sign } of schemes) {
  describe(`${provider} secret rotation`, () => {
    it("accepts a signature by either of two configured secrets and reports which one matched", async () => {
      const results = [];
      for (const secret of secrets) {
        results.push(verifier.verify(await sign(EVENT_BODY, secret, NOW_SECONDS), NOW));
      }

      assert.deepEqual(
        results.map((result) => (result.ok ? result.secretIndex : result.reason)),
        [0, 1],
      );
    });
  });
}

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { createVerifier } from "../src/index.ts";
import type { SignedRequest, Verifier } from "../src/index.ts";
import { EVENT_BODY, NOW, NOW_SECONDS, TOLERANCE_SECONDS, stripeRequest, stripeSecrets } from "./fixtures.ts";
import { schemes } from "./schemes.ts";

function outcome(verifier: Verifier, request: SignedRequest, now: Date): string {
  const result = verifier.verify(request, now);
  return result.ok ? "ok" : result.reason;
}

for (const { provider, secrets, verifier, sign, timestamp } of schemes) {
  if (timestamp === null) {
    continue;
  }
  const signAt = (seconds: number) => sign(EVENT_BODY, secrets[0] ?? "", seconds);

  describe(`${provider} timestamp tolerance (${TOLERANCE_SECONDS} s, injected clock)`, () => {
    it("accepts a timestamp exactly the tolerance in the past", async () => {
      assert.equal(outcome(verifier, await signAt(NOW_SECONDS - TOLERANCE_SECONDS), NOW), "ok");
    });

    it("rejects a timestamp one second further in the past as timestamp_too_old", async () => {
      assert.equal(outcome(verifier, await signAt(NOW_SECONDS - TOLERANCE_SECONDS - 1), NOW), "timestamp_too_old");
    });

    it("accepts a timestamp exactly the tolerance in the future", async () => {
      assert.equal(outcome(verifier, await signAt(NOW_SECONDS + TOLERANCE_SECONDS), NOW), "ok");
    });

    it("rejects a timestamp one second further in the future as timestamp_in_future", async () => {
      assert.equal(outcome(verifier, await signAt(NOW_SECONDS + TOLERANCE_SECONDS + 1), NOW), "timestamp_in_future");
    });

    it("compares whole seconds, so milliseconds on the clock do not move the limit", async () => {
      const nowWithMillis = new Date(NOW.getTime() + 999);

      assert.equal(outcome(verifier, await signAt(NOW_SECONDS - TOLERANCE_SECONDS), nowWithMillis), "ok");
    });
  });
}

describe("a tolerance of zero", () => {
  const verifier = createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: 0 });

  it("accepts only the current second", () => {
    const signedAt = (seconds: number) => stripeRequest(EVENT_BODY, stripeSecrets[0] ?? "", seconds);

    assert.deepEqual(
      [NOW_SECONDS - 1, NOW_SECONDS, NOW_SECONDS + 1].map((seconds) => outcome(verifier, signedAt(seconds), NOW)),
      ["timestamp_too_old", "ok", "timestamp_in_future"],
    );
  });
});

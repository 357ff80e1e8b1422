import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { createVerifier, signHmac } from "../src/index.ts";
import type { HmacSchemeOptions, SignedRequest, Verifier } from "../src/index.ts";
import {
  EVENT_BODY,
  NOW,
  NOW_SECONDS,
  TOLERANCE_SECONDS,
  hmacSecrets,
  signedRequest,
  standardSecrets,
  standardWebhookRequest,
  stripeRequest,
  stripeSecrets,
} from "./fixtures.ts";

const hmacOptions: HmacSchemeOptions = { header: "x-signature", algorithm: "sha512", encoding: "base64", timestampHeader: "x-timestamp" };

const timestampedSchemes: { name: string; verifier: Verifier; signAt: (seconds: number) => SignedRequest }[] = [
  {
    name: "stripe",
    verifier: createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    signAt: (seconds) => stripeRequest(EVENT_BODY, stripeSecrets[0] ?? "", seconds),
  },
  {
    name: "standard-webhooks",
    verifier: createVerifier({ provider: "standard-webhooks", secrets: standardSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    signAt: (seconds) => standardWebhookRequest(EVENT_BODY, standardSecrets[0] ?? "", seconds),
  },
  {
    name: "hmac with a timestamp header",
    verifier: createVerifier({ provider: "hmac", secrets: hmacSecrets, toleranceSeconds: TOLERANCE_SECONDS, hmac: hmacOptions }),
    signAt: (seconds) => {
      const rawBody = Buffer.from(EVENT_BODY);
      return signedRequest(rawBody, signHmac(hmacOptions, hmacSecrets[0] ?? "", rawBody, seconds));
    },
  },
];

function outcome(verifier: Verifier, request: SignedRequest, now: Date): string {
  const result = verifier.verify(request, now);
  return result.ok ? "ok" : result.reason;
}

for (const { name, verifier, signAt } of timestampedSchemes) {
  describe(`${name} timestamp tolerance (${TOLERANCE_SECONDS} s, injected clock)`, () => {
    it("accepts a timestamp exactly the tolerance in the past", () => {
      assert.equal(outcome(verifier, signAt(NOW_SECONDS - TOLERANCE_SECONDS), NOW), "ok");
    });

    it("rejects a timestamp one second further in the past as timestamp_too_old", () => {
      assert.equal(outcome(verifier, signAt(NOW_SECONDS - TOLERANCE_SECONDS - 1), NOW), "timestamp_too_old");
    });

    it("accepts a timestamp exactly the tolerance in the future", () => {
      assert.equal(outcome(verifier, signAt(NOW_SECONDS + TOLERANCE_SECONDS), NOW), "ok");
    });

    it("rejects a timestamp one second further in the future as timestamp_in_future", () => {
      assert.equal(outcome(verifier, signAt(NOW_SECONDS + TOLERANCE_SECONDS + 1), NOW), "timestamp_in_future");
    });

    it("compares whole seconds, so milliseconds on the clock do not move the limit", () => {
      const nowWithMillis = new Date(NOW.getTime() + 999);

      assert.equal(outcome(verifier, signAt(NOW_SECONDS - TOLERANCE_SECONDS), nowWithMillis), "ok");
    });
  });
}

describe("a tolerance of zero", () => {
  const verifier = createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: 0 });

  it("accepts only the current second", () => {
    assert.deepEqual(
      [NOW_SECONDS - 1, NOW_SECONDS, NOW_SECONDS + 1].map((seconds) => outcome(verifier, stripeRequest(EVENT_BODY, stripeSecrets[0] ?? "", seconds), NOW)),
      ["timestamp_too_old", "ok", "timestamp_in_future"],
    );
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import Stripe from "stripe";
import { createVerifier } from "../src/index.ts";
import {
  EVENT_BODY,
  NOW,
  NOW_SECONDS,
  TOLERANCE_SECONDS,
  header,
  itRejects,
  signedRequest,
  stripeRequest,
  stripeSecrets,
  stripeSignature,
  withHeader,
  type RejectionCase,
} from "./fixtures.ts";

const [currentSecret = "", previousSecret = ""] = stripeSecrets;
const verifier = createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: TOLERANCE_SECONDS });

function v1Of(signatureHeader: string): string {
  return signatureHeader.split(",v1=")[1] ?? "";
}

describe("stripe verifier", () => {
  it("accepts a header made by Stripe's own generateTestHeaderString", () => {
    const result = verifier.verify(stripeRequest(EVENT_BODY, currentSecret), NOW);

    assert.deepEqual(result, { ok: true, scheme: "stripe-v1", secretIndex: 0, timestampMs: NOW_SECONDS * 1000 });
  });

  it("verifies the raw bytes, so the same JSON re-serialised is rejected", () => {
    const signed = stripeRequest(EVENT_BODY, currentSecret);
    const reserialised = signedRequest(JSON.stringify(JSON.parse(EVENT_BODY), null, 2), { ...signed.headers });

    const result = verifier.verify(reserialised, NOW);

    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "signature_mismatch");
  });

  it("ignores v0 and unknown schemes next to a valid v1", () => {
    const signed = stripeRequest(EVENT_BODY, currentSecret);
    const request = withHeader(signed, "stripe-signature", `${header(signed, "stripe-signature")},v0=deadbeef,scheme2=x`);

    assert.equal(verifier.verify(request, NOW).ok, true);
  });

  describe("secret rotation", () => {
    it("accepts a header with one v1 per secret, as Stripe sends while an old secret is still live", () => {
      const byCurrent = v1Of(stripeSignature(EVENT_BODY, currentSecret));
      const byPrevious = v1Of(stripeSignature(EVENT_BODY, previousSecret));
      const request = signedRequest(EVENT_BODY, { "stripe-signature": `t=${NOW_SECONDS},v1=${byCurrent},v1=${byPrevious}` });
      const onlyPrevious = createVerifier({ provider: "stripe", secrets: ["whsec_unrelated", previousSecret], toleranceSeconds: 300 });

      const result = onlyPrevious.verify(request, NOW);

      assert.equal(result.ok && result.secretIndex, 1);
    });
  });

  describe("failures", () => {
    const signed = stripeRequest(EVENT_BODY, currentSecret);
    const validV1 = v1Of(header(signed, "stripe-signature"));
    const cases: RejectionCase[] = [
      { name: "a request without stripe-signature", request: withHeader(signed, "stripe-signature", undefined), reason: "missing_signature" },
      { name: "an empty stripe-signature header", request: withHeader(signed, "stripe-signature", ""), reason: "missing_signature" },
      { name: "a header without t=", request: withHeader(signed, "stripe-signature", `v1=${validV1}`), reason: "malformed_signature" },
      { name: "a non-numeric t", request: withHeader(signed, "stripe-signature", `t=12abc,v1=${validV1}`), reason: "malformed_signature" },
      {
        name: "two t= elements",
        request: withHeader(signed, "stripe-signature", `t=${NOW_SECONDS},t=${NOW_SECONDS},v1=${validV1}`),
        reason: "malformed_signature",
      },
      {
        name: "a header with only a v0 signature",
        request: withHeader(signed, "stripe-signature", `t=${NOW_SECONDS},v0=${validV1}`),
        reason: "malformed_signature",
      },
      {
        name: "a v1 that is not hex",
        request: withHeader(signed, "stripe-signature", `t=${NOW_SECONDS},v1=zz${validV1.slice(2)}`),
        reason: "malformed_signature",
      },
      {
        name: "a v1 in upper-case hex",
        request: withHeader(signed, "stripe-signature", `t=${NOW_SECONDS},v1=${validV1.toUpperCase()}`),
        reason: "malformed_signature",
      },
      {
        name: "a v1 of the wrong length",
        request: withHeader(signed, "stripe-signature", `t=${NOW_SECONDS},v1=${validV1.slice(0, 62)}`),
        reason: "signature_mismatch",
      },
      { name: "a v1 made with another secret", request: stripeRequest(EVENT_BODY, "whsec_someoneElse"), reason: "signature_mismatch" },
    ];
    itRejects(verifier, cases);
  });

  describe("agrees with Stripe.webhooks.constructEvent", () => {
    function stripeAccepts(payload: string, signatureHeader: string, secret: string): boolean {
      try {
        Stripe.webhooks.constructEvent(payload, signatureHeader, secret, TOLERANCE_SECONDS, undefined, NOW.getTime());
        return true;
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          return false;
        }
        throw error;
      }
    }

    // Stripe's library does not reject future timestamps, so only past edges are compared here.
    const cases = [
      { name: "a fresh, correct signature", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS, accepted: true },
      { name: "a body changed after signing", payload: EVENT_BODY.replace("evt_1", "evt_2"), signedWith: currentSecret, at: NOW_SECONDS, accepted: false },
      { name: "a signature by another secret", payload: EVENT_BODY, signedWith: "whsec_other", at: NOW_SECONDS, accepted: false },
      { name: "a timestamp exactly at the tolerance", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS - TOLERANCE_SECONDS, accepted: true },
      { name: "a timestamp one second too old", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS - TOLERANCE_SECONDS - 1, accepted: false },
    ];
    const single = createVerifier({ provider: "stripe", secrets: [currentSecret], toleranceSeconds: TOLERANCE_SECONDS });
    for (const { name, payload, signedWith, at, accepted } of cases) {
      it(`${accepted ? "both accept" : "both reject"} ${name}`, () => {
        const signatureHeader = stripeSignature(EVENT_BODY, signedWith, at);

        const ours = single.verify(signedRequest(payload, { "stripe-signature": signatureHeader }), NOW);
        const theirs = stripeAccepts(payload, signatureHeader, currentSecret);

        assert.deepEqual({ ours: ours.ok, theirs }, { ours: accepted, theirs: accepted });
      });
    }
  });
});

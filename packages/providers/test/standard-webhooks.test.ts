import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { createVerifier, signStandardWebhook } from "../src/index.ts";
import type { SignedRequest } from "../src/index.ts";
import {
  EVENT_BODY,
  NOW,
  NOW_SECONDS,
  TOLERANCE_SECONDS,
  header,
  itRejects,
  signedRequest,
  standardSecrets,
  standardWebhookHeaders,
  standardWebhookRequest,
  withHeader,
  type RejectionCase,
} from "./fixtures.ts";

const [currentSecret = "", previousSecret = ""] = standardSecrets;
const verifier = createVerifier({ provider: "standard-webhooks", secrets: standardSecrets, toleranceSeconds: TOLERANCE_SECONDS });

describe("standard-webhooks verifier", () => {
  it("accepts headers made by the standardwebhooks library's Webhook.sign", () => {
    const result = verifier.verify(standardWebhookRequest(EVENT_BODY, currentSecret), NOW);

    assert.deepEqual(result, { ok: true, scheme: "standard-webhooks-v1", secretIndex: 0, timestampMs: NOW_SECONDS * 1000 });
  });

  it("accepts the same headers under Svix's svix- names", () => {
    const headers = standardWebhookHeaders(EVENT_BODY, currentSecret);
    const request = signedRequest(EVENT_BODY, {
      "svix-id": headers["webhook-id"],
      "svix-timestamp": headers["webhook-timestamp"],
      "svix-signature": headers["webhook-signature"],
    });

    assert.equal(verifier.verify(request, NOW).ok, true);
  });

  it("accepts a secret configured without the whsec_ prefix", () => {
    const unprefixed = createVerifier({ provider: "standard-webhooks", secrets: [currentSecret.slice("whsec_".length)], toleranceSeconds: 300 });

    assert.equal(unprefixed.verify(standardWebhookRequest(EVENT_BODY, currentSecret), NOW).ok, true);
  });

  it("skips signatures of other versions, such as v1a, next to a valid v1", () => {
    const signed = standardWebhookRequest(EVENT_BODY, currentSecret);
    const request = withHeader(signed, "webhook-signature", `v1a,bm90LXZlcmlmaWVk ${header(signed, "webhook-signature")}`);

    assert.equal(verifier.verify(request, NOW).ok, true);
  });

  describe("secret rotation", () => {
    it("accepts a header listing one v1 signature per secret", () => {
      const byCurrent = standardWebhookRequest(EVENT_BODY, currentSecret);
      const byPrevious = standardWebhookRequest(EVENT_BODY, previousSecret);
      const both = `${header(byCurrent, "webhook-signature")} ${header(byPrevious, "webhook-signature")}`;
      const onlyPrevious = createVerifier({ provider: "standard-webhooks", secrets: [previousSecret], toleranceSeconds: 300 });

      const result = onlyPrevious.verify(withHeader(byCurrent, "webhook-signature", both), NOW);

      assert.equal(result.ok && result.secretIndex, 0);
    });
  });

  describe("failures", () => {
    const signed = standardWebhookRequest(EVENT_BODY, currentSecret);
    const base64 = header(signed, "webhook-signature").slice("v1,".length);
    const cases: RejectionCase[] = [
      { name: "a request without webhook-id", request: withHeader(signed, "webhook-id", undefined), reason: "missing_signature" },
      { name: "a request without webhook-timestamp", request: withHeader(signed, "webhook-timestamp", undefined), reason: "missing_signature" },
      { name: "a request without webhook-signature", request: withHeader(signed, "webhook-signature", undefined), reason: "missing_signature" },
      { name: "a request with none of the headers", request: signedRequest(EVENT_BODY, {}), reason: "missing_signature" },
      { name: "a non-numeric timestamp", request: withHeader(signed, "webhook-timestamp", `${NOW_SECONDS}abc`), reason: "malformed_signature" },
      { name: "a signature without a version tag", request: withHeader(signed, "webhook-signature", base64), reason: "malformed_signature" },
      { name: "only signatures of other versions", request: withHeader(signed, "webhook-signature", `v2,${base64}`), reason: "malformed_signature" },
      { name: "a v1 value that is not base64", request: withHeader(signed, "webhook-signature", `v1,${base64.slice(1)}!`), reason: "malformed_signature" },
      { name: "a v1 value in base64url", request: withHeader(signed, "webhook-signature", "v1,-_-_"), reason: "malformed_signature" },
      {
        name: "a signature of the wrong length",
        request: withHeader(signed, "webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAA=="),
        reason: "signature_mismatch",
      },
      { name: "a signature by another secret", request: standardWebhookRequest(EVENT_BODY, "whsec_b3RoZXItc2VjcmV0"), reason: "signature_mismatch" },
      { name: "a webhook-id changed after signing", request: withHeader(signed, "webhook-id", "msg_other"), reason: "signature_mismatch" },
    ];
    itRejects(verifier, cases);
  });

  describe("agrees with the standardwebhooks library's Webhook.verify", () => {
    function libraryAccepts(request: SignedRequest): boolean {
      try {
        new Webhook(currentSecret).verify(request.rawBody.toString("utf8"), {
          "webhook-id": header(request, "webhook-id"),
          "webhook-timestamp": header(request, "webhook-timestamp"),
          "webhook-signature": header(request, "webhook-signature"),
        });
        return true;
      } catch (error) {
        if (error instanceof WebhookVerificationError) {
          return false;
        }
        throw error;
      }
    }

    const cases = [
      { name: "a fresh, correct signature", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS, accepted: true },
      { name: "a body changed after signing", payload: `${EVENT_BODY}\n`, signedWith: currentSecret, at: NOW_SECONDS, accepted: false },
      { name: "a signature by another secret", payload: EVENT_BODY, signedWith: previousSecret, at: NOW_SECONDS, accepted: false },
      { name: "a timestamp exactly the tolerance old", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS - 300, accepted: true },
      { name: "a timestamp one second too old", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS - 301, accepted: false },
      { name: "a timestamp exactly the tolerance ahead", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS + 300, accepted: true },
      { name: "a timestamp one second too far ahead", payload: EVENT_BODY, signedWith: currentSecret, at: NOW_SECONDS + 301, accepted: false },
    ];
    // The library has a fixed 5-minute tolerance and reads Date.now(), so the clock is mocked to NOW.
    const single = createVerifier({ provider: "standard-webhooks", secrets: [currentSecret], toleranceSeconds: 300 });
    for (const { name, payload, signedWith, at, accepted } of cases) {
      it(`${accepted ? "both accept" : "both reject"} ${name}`, (t) => {
        t.mock.timers.enable({ apis: ["Date"], now: NOW });
        const request = signedRequest(payload, standardWebhookHeaders(EVENT_BODY, signedWith, at));

        const ours = single.verify(request);
        const theirs = libraryAccepts(request);

        assert.deepEqual({ ours: ours.ok, theirs }, { ours: accepted, theirs: accepted });
      });
    }
  });
});

describe("signStandardWebhook", () => {
  it("signs the bytes sent, so a body that is not UTF-8 verifies as it was sent", () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d]);
    const signature = signStandardWebhook(currentSecret, "msg_bytes", NOW_SECONDS, body);
    const request: SignedRequest = {
      rawBody: body,
      headers: { "webhook-id": "msg_bytes", "webhook-timestamp": String(NOW_SECONDS), "webhook-signature": signature },
    };
    assert.deepEqual(verifier.verify(request, NOW), { ok: true, scheme: "standard-webhooks-v1", secretIndex: 0, timestampMs: NOW_SECONDS * 1000 });
    // The reference library signs the body's UTF-8 decoding: for these bytes, another signature.
    assert.notEqual(new Webhook(currentSecret).sign("msg_bytes", new Date(NOW_SECONDS * 1000), body), signature);
  });

  it("signs a UTF-8 body as the reference library does", () => {
    const at = new Date(NOW_SECONDS * 1000);
    assert.equal(
      signStandardWebhook(currentSecret, "msg_text", NOW_SECONDS, Buffer.from(EVENT_BODY)),
      new Webhook(currentSecret).sign("msg_text", at, EVENT_BODY),
    );
  });

  it("refuses a secret that is not base64 with a SignatureConfigError", () => {
    assert.throws(() => signStandardWebhook("whsec_not base64!", "msg", NOW_SECONDS, Buffer.alloc(0)), { name: "SignatureConfigError" });
  });
});

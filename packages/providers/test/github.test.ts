import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { sign, verify, verifyWithFallback } from "@octokit/webhooks-methods";
import { createVerifier } from "../src/index.ts";
import { EVENT_BODY, githubRequest, githubSecrets, header, itRejects, signedRequest, withHeader, type RejectionCase } from "./fixtures.ts";

const [currentSecret = "", previousSecret = ""] = githubSecrets;
const verifier = createVerifier({ provider: "github", secrets: githubSecrets });

describe("github verifier", () => {
  it("accepts a signature made by @octokit/webhooks-methods sign, with no timestamp", async () => {
    const result = verifier.verify(await githubRequest(EVENT_BODY, currentSecret));

    assert.deepEqual(result, { ok: true, scheme: "github-sha256", secretIndex: 0, timestampMs: null });
  });

  it("does not depend on the clock, since GitHub signs no timestamp", async () => {
    const request = await githubRequest(EVENT_BODY, currentSecret);

    assert.equal(verifier.verify(request, new Date(0)).ok, true);
  });

  describe("failures", async () => {
    const signed = await githubRequest(EVENT_BODY, currentSecret);
    const hex = header(signed, "x-hub-signature-256").slice("sha256=".length);
    const cases: RejectionCase[] = [
      { name: "a request without x-hub-signature-256", request: withHeader(signed, "x-hub-signature-256", undefined), reason: "missing_signature" },
      { name: "a sha1= prefix", request: withHeader(signed, "x-hub-signature-256", `sha1=${hex}`), reason: "malformed_signature" },
      { name: "a bare hex value without the prefix", request: withHeader(signed, "x-hub-signature-256", hex), reason: "malformed_signature" },
      { name: "a value that is not hex", request: withHeader(signed, "x-hub-signature-256", `sha256=${hex.slice(1)}g`), reason: "malformed_signature" },
      { name: "an odd number of hex digits", request: withHeader(signed, "x-hub-signature-256", `sha256=${hex.slice(1)}`), reason: "malformed_signature" },
      { name: "a signature of the wrong length", request: withHeader(signed, "x-hub-signature-256", `sha256=${hex}00`), reason: "signature_mismatch" },
      { name: "a signature by another secret", request: await githubRequest(EVENT_BODY, "not-the-secret"), reason: "signature_mismatch" },
      { name: "a body changed after signing", request: signedRequest(`${EVENT_BODY} `, { ...signed.headers }), reason: "signature_mismatch" },
    ];
    itRejects(verifier, cases);
  });

  describe("agrees with @octokit/webhooks-methods verify", () => {
    const cases = [
      { name: "a correct signature", payload: EVENT_BODY, signedWith: currentSecret, accepted: true },
      { name: "a body changed after signing", payload: EVENT_BODY.replace("evt_1", "evt_2"), signedWith: currentSecret, accepted: false },
      { name: "a signature by another secret", payload: EVENT_BODY, signedWith: "someone-else", accepted: false },
    ];
    const single = createVerifier({ provider: "github", secrets: [currentSecret] });
    for (const { name, payload, signedWith, accepted } of cases) {
      it(`${accepted ? "both accept" : "both reject"} ${name}`, async () => {
        const signature = await sign(signedWith, EVENT_BODY);

        const ours = single.verify(signedRequest(payload, { "x-hub-signature-256": signature }));
        const theirs = await verify(currentSecret, payload, signature);

        assert.deepEqual({ ours: ours.ok, theirs }, { ours: accepted, theirs: accepted });
      });
    }

    it("both accept a signature by the previous secret when both secrets are configured", async () => {
      const signature = await sign(previousSecret, EVENT_BODY);

      const ours = verifier.verify(signedRequest(EVENT_BODY, { "x-hub-signature-256": signature }));
      const theirs = await verifyWithFallback(currentSecret, EVENT_BODY, signature, [previousSecret]);

      assert.deepEqual({ ours: ours.ok, theirs }, { ours: true, theirs: true });
    });
  });
});

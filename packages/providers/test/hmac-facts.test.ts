import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { providerModule, signHmac, type HmacSchemeOptions } from "../src/index.ts";

const options: HmacSchemeOptions = { header: "x-signature", algorithm: "sha256", encoding: "hex", timestampHeader: "x-timestamp" };
const settings = { secrets: ["s3cret"], toleranceSeconds: 300, options };
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

function factsOf(body: string, headers: Record<string, string> = {}) {
  const rawBody = Buffer.from(body);
  const signed = { ...signHmac(options, "s3cret", rawBody, 1_700_000_000), ...headers };
  const facts = providerModule("hmac").eventFacts({ rawBody, headers: signed, contentType: "application/json" }, settings);
  assert.ok(facts.ok);
  return facts.facts;
}

describe("the generic scheme's event id", () => {
  it("is the body's id when there is one: signed, so no digest is needed", () => {
    const facts = factsOf('{"id":"ord_1","type":"order.created"}', { "x-webhook-id": "ignored" });

    assert.equal(facts.providerEventId, "ord_1");
    assert.equal(facts.replayDigest, undefined);
  });

  it("is x-webhook-id otherwise, with the digest of the signed `${timestamp}.${body}` beside it", () => {
    const body = '{"type":"order.created"}';

    const facts = factsOf(body, { "x-webhook-id": "wh_1" });

    assert.equal(facts.providerEventId, "wh_1");
    assert.equal(facts.replayDigest, sha256(`1700000000.${body}`));
  });

  it("is the body's digest when no id is sent: the id is then the content itself", () => {
    const body = '{"type":"order.created"}';

    const facts = factsOf(body);

    assert.equal(facts.providerEventId, `sha256:${sha256(body)}`);
    assert.equal(facts.replayDigest, undefined);
  });
});

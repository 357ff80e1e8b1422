import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { bearerAuth, type BearerVerdict } from "../src/index.ts";

const CURRENT = "hla_Zm9vYmFyYmF6cXV4cXV1eA";
const NEXT = "hla_bmV4dC10b2tlbi1vZi10aGUtdGVzdA";

const refusal = (verdict: BearerVerdict): string => (verdict.ok ? "accepted" : verdict.refusal);

describe("bearerAuth, the admin credential check", () => {
  const auth = bearerAuth([CURRENT, NEXT]);

  it("accepts Bearer with any of the configured tokens, so a token can rotate", () => {
    assert.deepEqual(auth(`Bearer ${CURRENT}`), { ok: true });
    assert.deepEqual(auth(`Bearer ${NEXT}`), { ok: true });
  });

  const cases: Array<[name: string, header: string | undefined, expected: string]> = [
    ["no header", undefined, "missing"],
    ["an empty header", "", "missing"],
    ["a header of spaces", "   ", "missing"],
    ["Basic credentials", `Basic ${Buffer.from(`admin:${CURRENT}`).toString("base64")}`, "malformed"],
    ["the token without a scheme", CURRENT, "malformed"],
    ["Bearer alone", "Bearer", "malformed"],
    ["Bearer and a space but no token", "Bearer ", "malformed"],
    ["the scheme glued to the token", `Bearer${CURRENT}`, "malformed"],
    ["two tokens", `Bearer ${CURRENT} ${NEXT}`, "malformed"],
    ["a comma-separated list", `Bearer ${CURRENT},${NEXT}`, "malformed"],
    ["a tab instead of a space", `Bearer\t${CURRENT}`, "malformed"],
    ["a wrong token", "Bearer hla_bm90LXRoZS1yaWdodC10b2tlbg", "not_accepted"],
    ["a configured token cut short", `Bearer ${CURRENT.slice(0, -1)}`, "not_accepted"],
    ["a configured token with more after it", `Bearer ${CURRENT}A`, "not_accepted"],
    ["a configured token in other case", `Bearer ${CURRENT.toUpperCase()}`, "not_accepted"],
    // RFC 7235 §2.1: the scheme is case-insensitive and followed by one or more spaces; Node trims the value.
    ["the scheme in lower case", `bearer ${CURRENT}`, "accepted"],
    ["several spaces after the scheme", `Bearer   ${NEXT}`, "accepted"],
    ["spaces around the whole value", `  Bearer ${CURRENT}  `, "accepted"],
  ];
  for (const [name, header, expected] of cases) {
    it(`${expected === "accepted" ? "accepts" : `refuses as ${expected}`} ${name}`, () => {
      assert.equal(refusal(auth(header)), expected);
    });
  }

  it("refuses every request, the right token too, when no token is configured, and says which variable to set", () => {
    for (const none of [bearerAuth([]), bearerAuth([""])]) {
      const verdict = none(`Bearer ${CURRENT}`);
      assert.equal(refusal(verdict), "not_configured");
      assert.match(verdict.ok ? "" : verdict.message, /set HOOKLOG_ADMIN_TOKENS/);
      assert.equal(refusal(none(undefined)), "not_configured");
    }
  });

  it("never repeats the presented token in its answer", () => {
    const verdict = auth("Bearer hla_c29tZWJvZHktZWxzZXMtdG9rZW4");
    assert.equal(verdict.ok, false);
    assert.doesNotMatch(JSON.stringify(verdict), /c29tZWJvZHktZWxzZXMtdG9rZW4/);
  });
});

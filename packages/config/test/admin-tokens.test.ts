import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ConfigError, adminTokens, loadConfig, namedAdminTokens } from "../src/index.ts";

const load = (value: string | undefined) =>
  loadConfig("reconciliation", { HOOKLOG_ADMIN_TOKENS: adminTokens }, value === undefined ? {} : { HOOKLOG_ADMIN_TOKENS: value });

describe("HOOKLOG_ADMIN_TOKENS", () => {
  it("is no token at all when unset or empty", () => {
    assert.deepEqual(load(undefined).HOOKLOG_ADMIN_TOKENS, []);
    assert.deepEqual(load("").HOOKLOG_ADMIN_TOKENS, []);
  });

  it("lists every comma-separated token, trimmed, without empty entries, so two can be accepted while one rotates", () => {
    const config = load(" hla_current-token-0001 ,, hla_next-token-000000002 ,");

    assert.deepEqual(config.HOOKLOG_ADMIN_TOKENS, ["hla_current-token-0001", "hla_next-token-000000002"]);
  });

  it("refuses a token shorter than 16 characters, naming its place in the list and not its value", () => {
    assert.throws(
      () => load("hla_long-enough-token-1,short-secret"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, ["HOOKLOG_ADMIN_TOKENS: token 2 of 2 is 12 characters; each must be at least 16 (e.g. openssl rand -base64 32)"]);
        assert.doesNotMatch(error.message, /short-secret|long-enough/);
        return true;
      },
    );
  });

  it("refuses a token that a Bearer header cannot carry", () => {
    assert.throws(() => load("hla_has a space in it ok"), /HOOKLOG_ADMIN_TOKENS: token 1 of 1 has a character a Bearer header cannot carry/);
    assert.throws(() => load("hla_has=an=equals-inside"), /token 1 of 1 has a character/);
  });

  it("accepts the development token's form: hla_ and 43 characters of base64url", () => {
    const token = `hla_${Buffer.alloc(32, 0xfb).toString("base64url")}`;

    assert.deepEqual(load(token).HOOKLOG_ADMIN_TOKENS, [token]);
  });

  it("takes name=token, naming the holder; a token alone is named by its place; base64 padding stays the token's", () => {
    const padded = "hla_padded-token-0003==";
    const { HOOKLOG_ADMIN_TOKENS: named } = loadConfig(
      "console",
      { HOOKLOG_ADMIN_TOKENS: namedAdminTokens },
      { HOOKLOG_ADMIN_TOKENS: `alice=hla_alice-token-00001, hla_plain-token-00002,${padded}` },
    );

    assert.deepEqual(named, [
      { name: "alice", token: "hla_alice-token-00001" },
      { name: "token 2", token: "hla_plain-token-00002" },
      { name: "token 3", token: padded },
    ]);
    assert.deepEqual(load("alice=hla_alice-token-00001").HOOKLOG_ADMIN_TOKENS, ["hla_alice-token-00001"]);
  });
});

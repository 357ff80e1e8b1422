import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { adminTokenFile, adminTokenForClients, developmentAdminToken } from "../src/admin-token.ts";

describe("the admin token of npm start and the project's tools", () => {
  const saved = { state: process.env.HOOKLOG_STATE_DIR, tokens: process.env.HOOKLOG_ADMIN_TOKENS };
  let state: string;

  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), "hooklog-admin-token-"));
    process.env.HOOKLOG_STATE_DIR = state;
    delete process.env.HOOKLOG_ADMIN_TOKENS;
  });

  afterEach(async () => {
    for (const [name, value] of [
      ["HOOKLOG_STATE_DIR", saved.state],
      ["HOOKLOG_ADMIN_TOKENS", saved.tokens],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(state, { recursive: true, force: true });
  });

  it("generates a development token once, keeps it in the state directory readable by its owner only, and returns the same one after", async () => {
    const first = developmentAdminToken();
    const second = developmentAdminToken();

    assert.match(first.token, /^hla_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([first.generated, second.generated, second.token], [true, false, first.token]);
    assert.equal(first.file, join(state, "admin-token"));
    assert.equal((await readFile(first.file, "utf8")).trim(), first.token);
    assert.equal((await stat(first.file)).mode & 0o777, 0o600);
  });

  it("gives tools the first of HOOKLOG_ADMIN_TOKENS, trimmed, before the development token", () => {
    developmentAdminToken();
    process.env.HOOKLOG_ADMIN_TOKENS = " , hla_first-token-of-the-list , hla_second-token-of-the-list";

    assert.equal(adminTokenForClients(), "hla_first-token-of-the-list");
  });

  it("gives tools the development token when HOOKLOG_ADMIN_TOKENS is unset or empty, and nothing when there is neither", async () => {
    assert.equal(adminTokenForClients(), undefined);

    const { token } = developmentAdminToken();
    assert.equal(adminTokenForClients(), token);
    process.env.HOOKLOG_ADMIN_TOKENS = "";
    assert.equal(adminTokenForClients(), token);

    await writeFile(adminTokenFile(), "\n");
    process.env.HOOKLOG_ADMIN_TOKENS = " ";
    assert.equal(adminTokenForClients(), undefined);
  });
});

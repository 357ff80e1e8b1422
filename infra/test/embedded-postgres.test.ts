import { strict as assert } from "node:assert";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { freePort } from "@hooklog/testkit";
import { startPostgres, stopEmbeddedPostgres } from "../src/postgres.ts";

describe("the embedded PostgreSQL fallback", () => {
  const state = mkdtempSync(join(tmpdir(), "hooklog-embedded-"));
  // As root, the package runs PostgreSQL as the user "postgres", who must reach the data directory.
  chmodSync(state, 0o755);
  const previous = process.env.HOOKLOG_STATE_DIR;
  process.env.HOOKLOG_STATE_DIR = state;

  after(async () => {
    await stopEmbeddedPostgres();
    if (previous === undefined) delete process.env.HOOKLOG_STATE_DIR;
    else process.env.HOOKLOG_STATE_DIR = previous;
    rmSync(state, { recursive: true, force: true });
  });

  it("starts a PostgreSQL from npm in the state directory when none is configured, with both databases, and keeps its data across a restart", async () => {
    const env = { HOOKLOG_EMBEDDED_POSTGRES: "1", HOOKLOG_EMBEDDED_POSTGRES_PORT: String(await freePort()) };
    const first = await startPostgres(env);
    assert.equal(first.endpoint.kind, "embedded");
    assert.equal(first.started, true);

    const client = new pg.Client({ connectionString: first.endpoint.url });
    await client.connect();
    await client.query("create table kept (value text)");
    await client.query("insert into kept values ('across restarts')");
    const databases = await client.query<{ datname: string }>("select datname from pg_database where datname like 'hooklog%' order by datname");
    await client.end();
    assert.deepEqual(
      databases.rows.map((row) => row.datname),
      ["hooklog", "hooklog_registry"],
    );

    assert.equal(await stopEmbeddedPostgres(), true);
    const second = await startPostgres(env);
    const again = new pg.Client({ connectionString: second.endpoint.url });
    await again.connect();
    const kept = await again.query<{ value: string }>("select value from kept");
    await again.end();
    assert.deepEqual(kept.rows, [{ value: "across restarts" }]);
  });
});

import { strict as assert } from "node:assert";
import { randomInt } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { testStack } from "@hooklog/testkit";
import { connectDatabase, runPrepared, trySessionLock, withSessionLock, type Knex } from "../src/index.ts";

/** A key of this test's own, below 2^32 so pg_locks shows it whole in objid. */
const uniqueKey = (): bigint => BigInt(randomInt(1, 2 ** 31));

describe("session locks", () => {
  let one: Knex;
  let other: Knex;

  before(async () => {
    const { databaseUrl } = await testStack();
    // One connection each: what a lock holds must come back to the pool, or the next query waits.
    one = connectDatabase(databaseUrl, { poolMax: 1, applicationName: "db-test-lock-one" });
    other = connectDatabase(databaseUrl, { poolMax: 2, applicationName: "db-test-lock-other" });
  });

  after(async () => {
    await one.destroy();
    await other.destroy();
  });

  it("trySessionLock takes a free lock, refuses a held one, and frees it on release", async () => {
    const key = uniqueKey();
    const held = await trySessionLock(one, key);
    assert.ok(held);
    assert.equal(await trySessionLock(other, key), undefined);
    await held.release();
    const again = await trySessionLock(other, key);
    assert.ok(again);
    await again.release();
    assert.deepEqual(await one.raw("select 1 as answer").then((result: { rows: unknown[] }) => result.rows), [{ answer: 1 }]);
  });

  it("withSessionLock runs the work of concurrent callers one after another", async () => {
    const key = uniqueKey();
    const order: string[] = [];
    const work = (name: string) => async () => {
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      order.push(`${name} out`);
    };
    await Promise.all([withSessionLock(one, key, work("a")), withSessionLock(other, key, work("b"))]);
    assert.deepEqual(
      order.map((entry) => entry.split(" ")[1]),
      ["in", "out", "in", "out"],
    );
  });

  it("withSessionLock frees the lock when the work throws", async () => {
    const key = uniqueKey();
    await assert.rejects(
      withSessionLock(one, key, () => Promise.reject(new Error("work failed"))),
      /work failed/,
    );
    const lock = await trySessionLock(other, key);
    assert.ok(lock);
    await lock.release();
  });

  it("a lock whose session died: release reports it, and the pool lends a working connection afterwards", async () => {
    const key = uniqueKey();
    const lock = await trySessionLock(one, key);
    assert.ok(lock);
    await other.raw("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and classid = 0 and objid = ? and objsubid = 1", [
      key.toString(),
    ]);
    await assert.rejects(lock.release());
    assert.deepEqual(await runPrepared(one, { name: "db_test_answer", text: "select 1 as answer" }, []), [{ answer: 1 }]);
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { eventually } from "../src/index.ts";

describe("eventually", () => {
  it("resolves with the first value that is neither undefined nor false", async () => {
    const answers = [undefined, false, { id: 3 }, { id: 4 }];
    let checks = 0;

    const found = await eventually("the third answer", () => answers[checks++], { intervalMs: 1 });

    assert.deepEqual(found, { id: 3 });
    assert.equal(checks, 3);
  });

  it("resolves with true once an async condition holds", async () => {
    let checks = 0;

    const held = await eventually("the second check", async () => ++checks >= 2, { intervalMs: 1 });

    assert.equal(held, true);
  });

  it("rejects after the timeout with what it waited for and the context", async () => {
    const started = Date.now();

    await assert.rejects(
      eventually("a row that never comes", () => undefined, { timeoutMs: 50, intervalMs: 10, context: () => "service output:\nboom" }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.message, "gave up waiting for a row that never comes after 50 ms\nservice output:\nboom");
        return true;
      },
    );
    assert.ok(Date.now() - started >= 50, "waited out the timeout");
  });

  it("rejects at once with the error the check throws", async () => {
    await assert.rejects(
      eventually("a failing check", () => {
        throw new Error("connection refused");
      }),
      /connection refused/,
    );
  });
});

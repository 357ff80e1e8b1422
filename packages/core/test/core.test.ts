import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { HooklogError, isObject, isRetryable, parseSince, retryAfterMs } from "../src/index.ts";

describe("HooklogError", () => {
  it("carries a code, whether to retry, and its cause, under its subclass's name", () => {
    class PaymentRefused extends HooklogError<"card_declined"> {}
    const cause = new Error("402 from the bank");
    const error = new PaymentRefused("card_declined", "the card was declined", { retryable: false, cause });

    assert.equal(error.name, "PaymentRefused");
    assert.equal(error.code, "card_declined");
    assert.equal(error.retryable, false);
    assert.equal(error.cause, cause);
    assert.ok(error instanceof HooklogError && error instanceof Error);
  });

  it("isRetryable is false only for a HooklogError that says so", () => {
    assert.equal(isRetryable(new HooklogError("x", "no", { retryable: false })), false);
    assert.equal(isRetryable(new HooklogError("x", "later", { retryable: true })), true);
    assert.equal(isRetryable(new Error("connection reset")), true);
    assert.equal(isRetryable({ retryable: false }), true, "a look-alike object is not taken at its word");
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2025-03-10T12:00:00Z");

  it("reads delay-seconds and HTTP dates, never below zero", () => {
    assert.equal(retryAfterMs("120", now), 120_000);
    assert.equal(retryAfterMs(" 0 ", now), 0);
    assert.equal(retryAfterMs(30, now), 30_000);
    assert.equal(retryAfterMs("Mon, 10 Mar 2025 12:01:30 GMT", now), 90_000);
    assert.equal(retryAfterMs("Mon, 10 Mar 2025 11:00:00 GMT", now), 0);
  });

  it("is undefined when absent or unreadable", () => {
    for (const header of [undefined, null, "", "soon", "-5", "1.5"]) assert.equal(retryAfterMs(header, now), undefined, String(header));
  });
});

describe("parseSince", () => {
  const now = new Date("2025-03-10T12:00:00Z");

  it("takes 90s, 30m, 2h, 3d back from now, or an ISO time", () => {
    assert.equal(parseSince("90s", now).toISOString(), "2025-03-10T11:58:30.000Z");
    assert.equal(parseSince("30m", now).toISOString(), "2025-03-10T11:30:00.000Z");
    assert.equal(parseSince("2h", now).toISOString(), "2025-03-10T10:00:00.000Z");
    assert.equal(parseSince("3d", now).toISOString(), "2025-03-07T12:00:00.000Z");
    assert.equal(parseSince("2025-03-09T08:15:00Z", now).toISOString(), "2025-03-09T08:15:00.000Z");
  });

  it("refuses anything else, and times in the future, saying what it takes", () => {
    for (const text of ["2 hours", "yesterday", "-2h", "", "2025-13-45"]) {
      assert.throws(
        () => parseSince(text, now),
        (error: unknown) => error instanceof HooklogError && error.code === "INVALID_SINCE" && !error.retryable && /30m, 2h or 3d/.test(error.message),
      );
    }
    assert.throws(() => parseSince("2025-03-11T00:00:00Z", now), /in the future/);
  });
});

describe("isObject", () => {
  it("is true for a plain object only", () => {
    assert.equal(isObject({ a: 1 }), true);
    for (const value of [null, [], "x", 1, undefined]) assert.equal(isObject(value), false);
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { newEventId } from "../src/index.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newEventId", () => {
  it("makes RFC 9562 version 7 UUIDs whose first 48 bits are the given time in ms", () => {
    const now = Date.UTC(2026, 10, 28, 4, 30, 0, 123);
    const id = newEventId(now);
    assert.match(id, UUID_V7);
    assert.equal(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16), now);
  });

  it("sorts by time and never repeats, across several refills of its random pool", () => {
    const ids = Array.from({ length: 2000 }, (_, index) => newEventId(1_800_000_000_000 + index));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
    // Same millisecond: the random part still differs.
    const sameMs = Array.from({ length: 600 }, () => newEventId(1_800_000_000_000));
    assert.equal(new Set(sameMs).size, sameMs.length);
    for (const id of sameMs) assert.match(id, UUID_V7);
  });
});

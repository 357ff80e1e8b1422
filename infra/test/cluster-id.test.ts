import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { newClusterId } from "../src/kafka.ts";

describe("a new Kafka cluster id", () => {
  it("is 16 bytes in unpadded base64url that never starts with '-', which kafka-storage would read as an option", () => {
    // One in 64 random ids starts with '-': ten thousand make one all but certain, if that can happen.
    for (let draw = 0; draw < 10_000; draw += 1) {
      const id = newClusterId();
      assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/, id);
      assert.equal(Buffer.from(id, "base64url").length, 16);
    }
  });
});

// The short-lived groups that read the log for an operator (a redrive, a resend, the console's read
// of one payload) are named once per use: two started in the same millisecond must never share one.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { consumerNamesIn, groupId, readerGroupId } from "../src/index.ts";

describe("reader group names", () => {
  it("are unique per call, even many in the same millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => readerGroupId(`${groupId("billing")}.resend`));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^hooklog\.billing\.resend\.[0-9a-f]{16}$/);
  });

  it("are told from consumers: a redrive's or a resend's reader is no consumer", () => {
    const ids = [
      groupId("billing"),
      readerGroupId(`${groupId("billing")}.redrive`),
      readerGroupId(`${groupId("billing")}.resend`),
      // Named by an earlier version (by the millisecond): still no consumer while they linger.
      `${groupId("billing")}.redrive.1765130000000`,
      `${groupId("billing")}.resend.1765130000000`,
      groupId("catalog"),
      // A consumer whose name merely ends like a reader's suffix is still a consumer.
      groupId("resend"),
      "hooklog-console.read.0123456789abcdef",
    ];
    assert.deepEqual(consumerNamesIn(ids), ["billing", "catalog", "resend"]);
  });
});

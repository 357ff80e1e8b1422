// Offsets follow the batches that committed in Postgres: at most one commit per partition and interval
// while batches come back to back, the latest offset within that interval, and at once on a stop.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { Consumer } from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { eventually } from "@hooklog/testkit";
import { OffsetCommitter } from "../src/offset-commits.ts";

/** What the committer asks of a group member: its commits, recorded. */
function recordingMember(): { member: Consumer; commits: Array<{ topic: string; partition: number; offset: string }> } {
  const commits: Array<{ topic: string; partition: number; offset: string }> = [];
  const member = {
    async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>) {
      commits.push(...offsets);
    },
  } as unknown as Consumer;
  return { member, commits };
}

describe("offset commits", () => {
  const logger = createLogger({ service: "kit-test", level: "silent" });

  it("commits a partition's first batch at once, the batches right after it once, with the latest offset, within the interval", async () => {
    const { member, commits } = recordingMember();
    const committer = new OffsetCommitter(logger, "kit-offsets", 100);
    await committer.processedUpTo(member, "t", 0, "1", false);
    assert.deepEqual(commits, [{ topic: "t", partition: 0, offset: "1" }]);
    for (const offset of ["2", "3", "4"]) await committer.processedUpTo(member, "t", 0, offset, false);
    await committer.processedUpTo(member, "t", 1, "7", false);
    assert.equal(commits.length, 2, "partition 1's first offset at once, partition 0's next ones wait");
    await eventually("the waiting offset committed", () => commits.length === 3, { timeoutMs: 2000, intervalMs: 10 });
    assert.deepEqual(commits.slice(1), [
      { topic: "t", partition: 1, offset: "7" },
      { topic: "t", partition: 0, offset: "4" },
    ]);
  });

  it("commits at once when the consumer is stopping, and flush() commits what waits", async () => {
    const { member, commits } = recordingMember();
    const committer = new OffsetCommitter(logger, "kit-offsets", 60_000);
    await committer.processedUpTo(member, "t", 0, "1", false);
    await committer.processedUpTo(member, "t", 0, "2", false);
    assert.equal(commits.length, 1);
    await committer.flush();
    assert.deepEqual(commits.at(-1), { topic: "t", partition: 0, offset: "2" });
    await committer.processedUpTo(member, "t", 0, "3", true);
    assert.deepEqual(commits.at(-1), { topic: "t", partition: 0, offset: "3" }, "a stopping consumer's batch commits at once");
  });
});

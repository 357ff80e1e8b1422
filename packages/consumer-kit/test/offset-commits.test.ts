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
    await committer.processedUpTo(member, "t", 0, "1");
    assert.deepEqual(commits, [{ topic: "t", partition: 0, offset: "1" }]);
    for (const offset of ["2", "3", "4"]) await committer.processedUpTo(member, "t", 0, offset);
    await committer.processedUpTo(member, "t", 1, "7");
    assert.equal(commits.length, 2, "partition 1's first offset at once, partition 0's next ones wait");
    await eventually("the waiting offset committed", () => commits.length === 3, { timeoutMs: 2000, intervalMs: 10 });
    assert.deepEqual(commits.slice(1), [
      { topic: "t", partition: 1, offset: "7" },
      { topic: "t", partition: 0, offset: "4" },
    ]);
  });

  it("flush() commits what waits, and never sends a partition an offset older than one sent", async () => {
    const commits: string[] = [];
    let releaseFirst: () => void = () => undefined;
    let calls = 0;
    // The first commit hangs on the coordinator (kafkajs retries one for up to 30 s) until released.
    const member = {
      async commitOffsets(offsets: Array<{ offset: string }>) {
        calls += 1;
        if (calls === 1) await new Promise<void>((resolve) => (releaseFirst = resolve));
        commits.push(...offsets.map((entry) => entry.offset));
      },
    } as unknown as Consumer;
    const committer = new OffsetCommitter(logger, "kit-offsets", 60_000);
    const first = committer.processedUpTo(member, "t", 0, "5");
    await committer.processedUpTo(member, "t", 0, "6").catch(() => undefined);
    const flushed = committer.flush();
    // An older offset asked for after a newer one went out is not sent.
    await committer.flush();
    releaseFirst();
    await Promise.all([first, flushed]);
    assert.deepEqual(commits, ["5", "6"], "in order, each once");
    committer.forget();
    await committer.processedUpTo(member, "t", 0, "3");
    assert.deepEqual(commits, ["5", "6", "3"], "after a rejoin the partition starts afresh");
  });
});

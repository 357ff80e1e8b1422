import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { GroupCommit } from "../src/index.ts";

describe("GroupCommit", () => {
  it("commits an item at once when idle, and gathers items that arrive meanwhile into the next commit", async () => {
    const commits: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, string>({
      maxBatch: 100,
      commit: async (items) => {
        commits.push(items);
        if (commits.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items.map((item) => `done ${item}`);
      },
    });
    const first = group.submit(1);
    const rest = [2, 3, 4].map((item) => group.submit(item));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(commits, [[1]], "the first item did not wait for company");
    release();
    assert.deepEqual(await Promise.all([first, ...rest]), ["done 1", "done 2", "done 3", "done 4"]);
    assert.deepEqual(commits, [[1], [2, 3, 4]]);
  });

  it("splits at maxBatch and rejects every item of a failed commit", async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number, void>({
      maxBatch: 2,
      commit: async (items) => {
        sizes.push(items.length);
        if (items.includes(3)) throw new Error("broker gone");
        return items.map(() => undefined);
      },
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((item) => group.submit(item)));
    // [1] goes alone; [2, 3] fail together; [4, 5] succeed.
    assert.deepEqual(sizes, [1, 2, 2]);
    assert.deepEqual(
      results.map((result) => result.status),
      ["fulfilled", "rejected", "rejected", "fulfilled", "fulfilled"],
    );
    await group.drain();
  });
});

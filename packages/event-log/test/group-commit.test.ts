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

  it("with maxInFlight 2, takes the next batch once the current one hands off, and no more while two are under way", async () => {
    const started: number[][] = [];
    const handOffs: Array<() => void> = [];
    const finishes: Array<() => void> = [];
    const group = new GroupCommit<number, number>({
      maxBatch: 100,
      maxInFlight: 2,
      commit: async (items, handOff) => {
        started.push(items);
        handOffs.push(handOff);
        await new Promise<void>((resolve) => finishes.push(resolve));
        return items;
      },
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const writes = [group.submit(1)];
    await settle();
    writes.push(group.submit(2));
    await settle();
    assert.deepEqual(started, [[1]], "a batch was taken before the one under way handed off");
    handOffs[0]?.();
    await settle();
    assert.deepEqual(started, [[1], [2]]);
    writes.push(group.submit(3), group.submit(4));
    handOffs[1]?.();
    await settle();
    assert.deepEqual(started, [[1], [2]], "a third batch was taken while two were under way");
    finishes[0]?.();
    await settle();
    assert.deepEqual(started, [[1], [2], [3, 4]]);
    handOffs[2]?.();
    finishes[1]?.();
    finishes[2]?.();
    assert.deepEqual(await Promise.all(writes), [1, 2, 3, 4]);
    await group.drain();
  });
});

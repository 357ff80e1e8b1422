import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { MemberWatchdog } from "../src/member-watchdog.ts";

function watchdog(options: { failReplace?: number } = {}) {
  let now = 1_000_000;
  let failures = options.failReplace ?? 0;
  const told: string[] = [];
  const dog = new MemberWatchdog({
    stalledAfterMs: 90_000,
    checkEveryMs: 5000,
    now: () => now,
    replace: async () => {
      if (failures > 0) {
        failures -= 1;
        throw new Error("Kafka unreachable");
      }
      told.push("replaced");
    },
    onStall: (silentMs) => told.push(`stalled ${silentMs}`),
    onReplaceFailed: (error) => told.push(`failed: ${(error as Error).message}`),
  });
  return { dog, told, advance: (ms: number) => (now += ms) };
}

describe("the group member watchdog", () => {
  it("leaves a member alone while it shows a sign of life within the bound", async () => {
    const { dog, told, advance } = watchdog();
    for (let i = 0; i < 10; i += 1) {
      advance(89_999);
      assert.equal(await dog.check(), false);
      dog.alive();
    }
    assert.deepEqual(told, []);
  });

  it("replaces a member silent for the bound exactly, once, and counts from the replacement", async () => {
    const { dog, told, advance } = watchdog();
    advance(90_000);
    assert.equal(await dog.check(), true);
    advance(89_999);
    assert.equal(await dog.check(), false);
    assert.deepEqual(told, ["stalled 90000", "replaced"]);
    assert.equal(dog.replacements(), 1);
  });

  it("replaces a crashed member at the next check, however recent its last sign", async () => {
    const { dog, told } = watchdog();
    dog.alive();
    dog.crashed();
    assert.equal(await dog.check(), true);
    assert.deepEqual(told, ["stalled Infinity", "replaced"]);
  });

  it("tries again at the next check when a replacement fails", async () => {
    const { dog, told, advance } = watchdog({ failReplace: 1 });
    advance(120_000);
    assert.equal(await dog.check(), false);
    advance(5000);
    assert.equal(await dog.check(), true);
    assert.deepEqual(told, ["stalled 120000", "failed: Kafka unreachable", "stalled 125000", "replaced"]);
  });

  it("lets stop() wait for a replacement under way, so no new member outlives the consumer", async () => {
    let finish: () => void = () => {};
    const order: string[] = [];
    const dog = new MemberWatchdog({
      stalledAfterMs: 10,
      checkEveryMs: 5000,
      now: () => 1_000_000,
      replace: () =>
        new Promise<void>((resolve) => {
          finish = () => {
            order.push("replaced");
            resolve();
          };
        }),
      onStall: () => {},
      onReplaceFailed: () => {},
    });
    dog.crashed();
    const checked = dog.check();
    assert.equal(await dog.check(), false, "one replacement at a time");
    const stopped = dog.stop().then(() => order.push("stopped"));
    finish();
    await Promise.all([checked, stopped]);
    assert.deepEqual(order, ["replaced", "stopped"]);
  });
});

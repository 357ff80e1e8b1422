import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { consumerCaughtUp, eventually, testStack, uniqueName } from "@hooklog/testkit";
import { groupId } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("a consumer killed in the middle of a batch", () => {
  let harness: KitHarness;
  const children: ChildProcess[] = [];

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await harness?.close();
  });

  it("loses no effect and doubles none after SIGKILL and a restart", async () => {
    const { databaseUrl } = await testStack();
    const name = uniqueName("kit-crash");
    const env = {
      ...process.env,
      KIT_BROKERS: harness.brokers.join(","),
      KIT_REGISTRY: harness.registryUrl,
      KIT_DATABASE: databaseUrl,
      KIT_TOPIC: harness.topic,
      KIT_TABLE: harness.effects,
      KIT_NAME: name,
    };
    const start = (): ChildProcess => {
      const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", join(import.meta.dirname, "fixtures", "slow-consumer.ts")], {
        env,
        stdio: "ignore",
      });
      children.push(child);
      return child;
    };
    const total = 300;
    await harness.publish(Array.from({ length: total }, (_, index) => ({ providerEventId: `evt_${index}` })));
    const count = async (): Promise<number> => Number(((await harness.db(harness.effects).count("* as n")) as Array<{ n: string }>)[0]?.n ?? 0);

    const first = start();
    await eventually("some effects before the crash", async () => (await count()) >= 40, { timeoutMs: 60_000 });
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    const atCrash = await count();
    assert.ok(atCrash < total, `the crash came mid-way (${atCrash} of ${total} applied)`);

    start();
    await eventually("every effect after the restart", async () => (await count()) >= total, { timeoutMs: 90_000 });
    // Every message of the topic handled and committed: any doubled effect is in the table by now.
    await eventually("the restarted consumer to have committed the whole topic", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)), {
      timeoutMs: 60_000,
    });
    const rows = await harness.effectRows();
    assert.equal(rows.length, total, "no effect doubled");
    assert.equal(new Set(rows.map((row) => row.event_key)).size, total, "no effect lost");
  });
});

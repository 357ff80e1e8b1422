// once() and a call whose outcome it never learned: the process died, or Postgres went away, between
// the outside call and the record of its completion. The next attempt is told, so it can look at the
// outside service before it acts again (the faults run found Slack messages and GitHub statuses
// repeated this way).
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, startConsumer, type EarlierAttempt, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("once() tells a call that an earlier attempt of it never recorded an outcome", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
    await harness?.close();
  });

  it("passes no earlier attempt to a first call, then the first attempt's start to the call after one that failed mid-way, and none after completion", async () => {
    const name = uniqueName("kit-unfinished");
    const seen: Array<{ key: string; earlier: EarlierAttempt | undefined; at: number }> = [];
    running = await startConsumer(
      defineConsumer({
        name,
        retryBaseDelayMs: 100,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                await context.once("notify", async (key, earlier) => {
                  seen.push({ key, earlier, at: Date.now() });
                  // The outside service took the call, but its answer never arrived: the outcome is unknown.
                  if (seen.length === 1) throw new Error("timed out waiting for the answer");
                  return { ok: true };
                });
                // A failure after a completed call: the retry must not call again at all.
                if (context.attempt === 2) throw new Error("failed after the outside call completed");
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    const beforePublish = Date.now();

    await harness.publish([{ providerEventId: "evt_unknown_outcome" }]);
    await eventually("the effect applied", async () => (await harness.effectRows()).length > 0, { timeoutMs: 30_000 });

    assert.equal(seen.length, 2, "called on attempts 1 and 2, not on attempt 3 after the call had completed");
    const [first, second] = seen as [(typeof seen)[0], (typeof seen)[0]];
    assert.equal(first.key, second.key, "one idempotency key for every attempt");
    assert.equal(first.earlier, undefined, "a first call has no earlier attempt");
    assert.equal(second.earlier?.attempts, 1);
    const startedAt = second.earlier?.startedAt.getTime() ?? 0;
    assert.ok(
      startedAt >= beforePublish - 1000 && startedAt <= first.at,
      `the earlier attempt began at ${new Date(startedAt).toISOString()}, before the first call`,
    );
    assert.equal(second.earlier?.lastStartedAt.getTime(), startedAt, "one earlier attempt: it is both the first and the last");
    assert.deepEqual(await harness.effectRows(), [{ event_key: `${harness.source}:evt_unknown_outcome`, attempt: 3 }]);
  });
});

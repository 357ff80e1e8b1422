import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { MAX_SOURCE_BODY_BYTES } from "@hooklog/kafka";
import { eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("an event as large as a source may accept", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
    await harness?.close();
  });

  it("reaches the handler byte for byte, through a retry too", async () => {
    // A 25 MiB GitHub push, less room for the envelope's other fields.
    const payload = Buffer.from(JSON.stringify({ ref: "refs/heads/main", blob: randomBytes((MAX_SOURCE_BODY_BYTES - 64 * 1024) / 2).toString("hex") }));
    const seen: Array<{ attempt: number; payload: Buffer }> = [];
    const definition = defineConsumer({
      name: uniqueName("kit-large"),
      retryBaseDelayMs: 100,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            push: async (event, context) => {
              seen.push({ attempt: context.attempt, payload: event.event.payload });
              if (context.attempt === 1) throw new Error("planned failure: the event goes through the retry topic");
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
            },
          },
        },
      ],
    });
    running = await startConsumer(definition, {
      kafkaBrokers: harness.brokers,
      schemaRegistryUrl: harness.registryUrl,
      db: harness.db,
      logger: harness.logger,
    });
    await harness.publish([{ providerEventId: "evt_large_push", provider: "github", type: "push", payload }]);

    await eventually("the large event applied on its second attempt", async () => (await harness.effectRows()).length === 1, { timeoutMs: 60_000 });
    assert.deepEqual(
      seen.map((entry) => entry.attempt),
      [1, 2],
    );
    for (const entry of seen) assert.ok(entry.payload.equals(payload), `attempt ${entry.attempt} saw ${entry.payload.length} of ${payload.length} bytes`);
  });
});

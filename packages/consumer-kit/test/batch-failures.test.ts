// Postgres unreachable under a running consumer: its batches fail as a whole. The consumer must
// come back by itself once Postgres answers, and apply what arrived meanwhile exactly once.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex } from "@hooklog/db";
import { TcpRelay, eventually, testStack, uniqueName } from "@hooklog/testkit";
import { defineConsumer, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";
import { recordedLogs } from "./recorded-logs.ts";

describe("a consumer whose Postgres goes away and comes back", () => {
  let harness: KitHarness;
  let relay: TcpRelay;
  let relayedDb: Knex;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
    const database = new URL((await testStack()).databaseUrl);
    relay = await TcpRelay.open({ host: database.hostname, port: Number(database.port || 5432) });
    database.host = `127.0.0.1:${relay.port}`;
    relayedDb = connectDatabase(database.toString(), { applicationName: "kit-db-outage-test", poolMax: 4 });
  });

  after(async () => {
    await relay?.set("forward");
    await running?.stop();
    await relayedDb?.destroy();
    await relay?.close();
    await harness?.close();
  });

  it("restarts after its batches fail and applies the events that came during the outage once", async () => {
    const { logger, lines } = recordedLogs();
    const definition = defineConsumer({
      name: uniqueName("kit-db-outage"),
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
            },
          },
        },
      ],
    });
    running = await startConsumer(definition, { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: relayedDb, logger });
    await running.joined;
    await harness.publish([{ providerEventId: "evt_before" }]);
    await eventually("the event before the outage applied", async () => (await harness.effectRows()).length === 1);

    await relay.set("refuse");
    await harness.publish([{ providerEventId: "evt_during_1" }, { providerEventId: "evt_during_2" }]);
    await eventually("a batch failed for want of Postgres", () => lines.some((line) => line.msg.startsWith("a batch failed")), { timeoutMs: 30_000 });
    await relay.set("forward");

    await eventually("the events that came during the outage applied", async () => (await harness.effectRows()).length === 3, { timeoutMs: 60_000 });
    const keys = (await harness.effectRows()).map((row) => row.event_key).sort();
    assert.deepEqual(keys, ["evt_before", "evt_during_1", "evt_during_2"].map((id) => `${harness.source}:${id}`).sort());
  });
});

describe("a consumer whose batch fails with an error kafkajs does not retry", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
    await harness?.close();
  });

  it("keeps consuming: the failed batch is read again, and events after it are applied", async () => {
    const { logger, lines } = recordedLogs();
    const name = uniqueName("kit-refused-retry");
    let firstAttempt = true;
    const definition = defineConsumer({
      name,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              if (event.key.endsWith(":evt_fails_once") && firstAttempt) {
                firstAttempt = false;
                throw new Error("planned failure: the event goes to the retry topic");
              }
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
            },
          },
        },
      ],
    });
    running = await startConsumer(definition, { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger });
    await running.joined;
    // An operator lowered the retry topic's limit: routing the failed event there is refused with
    // MESSAGE_TOO_LARGE, which kafkajs marks not retriable.
    await harness.alterTopic(`${name}.retry.1`, { "max.message.bytes": "200" });
    await harness.publish([{ providerEventId: "evt_fails_once" }], { key: "entity-a" });
    await eventually("the batch failed on the refused retry", () => lines.some((line) => /larger than the max message size/.test(JSON.stringify(line))), {
      timeoutMs: 30_000,
    });
    await harness.alterTopic(`${name}.retry.1`, { "max.message.bytes": String(32 * 1024 * 1024) });
    await harness.publish([{ providerEventId: "evt_after" }], { key: "entity-b" });

    await eventually("both events applied", async () => (await harness.effectRows()).length === 2, { timeoutMs: 60_000 });
    const keys = (await harness.effectRows()).map((row) => row.event_key).sort();
    assert.deepEqual(keys, ["evt_after", "evt_fails_once"].map((id) => `${harness.source}:${id}`).sort());
  });
});

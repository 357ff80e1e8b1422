import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import { consumerCaughtUp, eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { deadLetterTopic, defineConsumer, groupId, replay, startConsumer, type ConsumerDefinition, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

// Each test has its own topic and effects table: what one test publishes is no other test's input.
describe("domain events, effects outside Postgres, undecodable messages and replay", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  beforeEach(async () => {
    harness = await kitHarness();
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await harness?.close();
  });

  it("emits domain events through the outbox with the trace, calls an outside effect once, and dead-letters an undecodable message at once", async () => {
    const name = uniqueName("kit-emit");
    const tasksTopic = uniqueName("kit.fulfillment.TaskCreated");
    const calls: string[] = [];
    let failAfterCall = true;
    const definition: ConsumerDefinition = defineConsumer({
      name,
      retryBaseDelayMs: 200,
      emits: [{ record: "fulfillment.TaskCreated", topic: tasksTopic }],
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              await context.once("notify", async (key) => {
                calls.push(key);
                return { ok: true };
              });
              // The first attempt fails after its outside call: the retry must not call again.
              if (failAfterCall) {
                failAfterCall = false;
                throw new Error("failed after the outside call");
              }
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              await context.emit("fulfillment.TaskCreated", {
                eventId: `task-created:${event.key}`,
                occurredAt: Date.now(),
                causationEventKey: event.key,
                taskId: `task_${event.key}`,
                orderId: event.key,
                amount: 4200,
                currency: "eur",
              });
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

    await harness.publish([{ providerEventId: "evt_order" }]);
    const producer = createIdempotentProducer(createKafka({ clientId: "kit-test-garbage", brokers: harness.brokers }));
    await producer.connect();
    await producer.send({ topic: harness.topic, acks: -1, messages: [{ key: "garbage", value: Buffer.from("not avro at all") }] });
    await producer.disconnect();

    // Everything handled and committed, and the outbox relayed: every call, task and dead letter is there.
    await eventually("the consumer to have committed every message and retry", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));
    const unsent = async (): Promise<number> =>
      Number((await harness.db("outbox").where({ topic: tasksTopic }).whereNull("sent_at").count<Array<{ count: string }>>("* as count"))[0]?.count);
    await eventually("the outbox relayed", async () => (await unsent()) === 0);
    const tasks = await readTopic(harness.brokers.join(","), tasksTopic, { toEnd: true });
    const dead = await readTopic(harness.brokers.join(","), deadLetterTopic(name), { toEnd: true });
    assert.equal(tasks.length, 1, "one domain event for the one event handled");
    const [task] = tasks;
    assert.ok(task?.value);
    const decoded = (await new SchemaRegistryClient(harness.registryUrl).decode(task.value)) as { eventId: string; orderId: string };
    assert.equal(decoded.eventId, `task-created:${harness.source}:evt_order`);
    assert.match(task.headers.traceparent?.toString() ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, "the domain event carries the trace on");
    assert.deepEqual(calls, [`${name}:${harness.source}:evt_order:notify`], "the outside effect ran once, with a stable idempotency key");
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.value?.toString(), "not avro at all");
    assert.equal(dead[0]?.headers["hooklog-attempt"]?.toString(), "1", "an undecodable message is dead-lettered without retries");
  });

  it("replays from the beginning without repeating an effect, and rebuilds a dropped projection to the same rows", async () => {
    const name = uniqueName("kit-replay");
    const definition = defineConsumer({
      name,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              await context.trx(harness.effects).insert({ event_key: `${name}:${event.key}`, attempt: context.attempt });
            },
          },
        },
      ],
    });
    const options = { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger };
    await harness.publish([{ providerEventId: "evt_r1" }, { providerEventId: "evt_r2" }, { providerEventId: "evt_r1" }]);
    const mine = async (): Promise<string[]> => (await harness.effectRows()).map((row) => row.event_key).filter((key) => key.startsWith(`${name}:`));
    // After a replay the group's offsets are back at the beginning: caught up again means the whole topic was read again.
    const caughtUp = (): Promise<boolean> => consumerCaughtUp(harness.brokers.join(","), groupId(name));

    running = await startConsumer(definition, options);
    await eventually("first pass", caughtUp);
    const firstPass = await mine();
    assert.deepEqual(firstPass, [`${name}:${harness.source}:evt_r1`, `${name}:${harness.source}:evt_r2`], "the redelivered evt_r1 applied once");
    await running.stop();

    await replay(name, { kafkaBrokers: harness.brokers, topics: [harness.topic] });
    running = await startConsumer(definition, options);
    await eventually("the replay", caughtUp);
    assert.deepEqual(await mine(), firstPass, "a replay repeats no effect");
    await running.stop();

    // Rebuild: drop the projection and the consumer's processed marks, replay from the beginning.
    await harness.db(harness.effects).where("event_key", "like", `${name}:%`).delete();
    await harness.db("processed_events").where({ consumer: name }).delete();
    await replay(name, { kafkaBrokers: harness.brokers, topics: [harness.topic] });
    running = await startConsumer(definition, options);
    await eventually("the rebuild", caughtUp);
    assert.deepEqual(await mine(), firstPass, "the rebuilt projection has the same rows");
  });
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import { eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { deadLetterTopic, defineConsumer, replay, startConsumer, type ConsumerDefinition, type RunningConsumer } from "../src/index.ts";
import { kitHarness, settle, type KitHarness } from "./harness.ts";

describe("domain events, effects outside Postgres, undecodable messages and replay", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  before(async () => {
    harness = await kitHarness();
  });

  after(async () => {
    await running?.stop();
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
    running = await startConsumer(definition, { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger });

    await harness.publish([{ providerEventId: "evt_order" }]);
    const producer = createIdempotentProducer(createKafka({ clientId: "kit-test-garbage", brokers: harness.brokers }));
    await producer.connect();
    await producer.send({ topic: harness.topic, acks: -1, messages: [{ key: "garbage", value: Buffer.from("not avro at all") }] });
    await producer.disconnect();

    const [task] = await readTopic(harness.brokers.join(","), tasksTopic, { count: 1, timeoutMs: 30_000 });
    const dead = await readTopic(harness.brokers.join(","), deadLetterTopic(name), { count: 1, timeoutMs: 30_000 });
    await settle();
    assert.ok(task?.value);
    const decoded = (await new SchemaRegistryClient(harness.registryUrl).decode(task.value)) as { eventId: string; orderId: string };
    assert.equal(decoded.eventId, `task-created:${harness.source}:evt_order`);
    assert.match(task.headers.traceparent?.toString() ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, "the domain event carries the trace on");
    assert.deepEqual(calls, [`${name}:${harness.source}:evt_order:notify`], "the outside effect ran once, with a stable idempotency key");
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.value?.toString(), "not avro at all");
    assert.equal(dead[0]?.headers["hooklog-attempt"]?.toString(), "1", "an undecodable message is dead-lettered without retries");
    const unsent = await harness.db("outbox").where({ topic: tasksTopic }).whereNull("sent_at").count<Array<{ count: string }>>("* as count");
    assert.equal(Number(unsent[0]?.count), 0);
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

    let consumer = await startConsumer(definition, options);
    await eventually("first pass", async () => (await mine()).length >= 3);
    await settle();
    const firstPass = await mine();
    await consumer.stop();

    await replay(name, { kafkaBrokers: harness.brokers, topics: [harness.topic] });
    consumer = await startConsumer(definition, options);
    await settle(6000);
    assert.deepEqual(await mine(), firstPass, "a replay repeats no effect");
    await consumer.stop();

    // Rebuild: drop the projection and the consumer's processed marks, replay from the beginning.
    await harness.db(harness.effects).where("event_key", "like", `${name}:%`).delete();
    await harness.db("processed_events").where({ consumer: name }).delete();
    await replay(name, { kafkaBrokers: harness.brokers, topics: [harness.topic] });
    consumer = await startConsumer(definition, options);
    await eventually("rebuild", async () => (await mine()).length >= firstPass.length);
    await settle();
    assert.deepEqual(await mine(), firstPass, "the rebuilt projection has the same rows");
    await consumer.stop();
  });
});

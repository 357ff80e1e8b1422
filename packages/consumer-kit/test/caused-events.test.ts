import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { consumerCaughtUp, eventually, uniqueName } from "@hooklog/testkit";
import { defineConsumer, eventStates, groupId, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("the state of an event a webhook caused", () => {
  let harness: KitHarness;
  const running: RunningConsumer[] = [];

  beforeEach(async () => {
    harness = await kitHarness();
  });

  afterEach(async () => {
    for (const consumer of running.splice(0)) await consumer.stop();
    await harness?.close();
  });

  it("is recorded under the webhook's hub event id, down a chain of domain events, so the webhook's page shows it", async () => {
    const tasksTopic = uniqueName("kit.fulfillment.TaskCreated");
    const upstream = uniqueName("kit-cause");
    const downstream = uniqueName("kit-effect");
    const options = { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger };
    running.push(
      await startConsumer(
        defineConsumer({
          name: upstream,
          emits: [{ record: "fulfillment.TaskCreated", topic: tasksTopic }],
          subscriptions: [
            {
              topic: harness.topic,
              on: {
                "invoice.paid": async (event, context) => {
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
        }),
        options,
      ),
    );
    running.push(
      await startConsumer(
        defineConsumer({ name: downstream, subscriptions: [{ topic: tasksTopic, record: "fulfillment.TaskCreated", on: async () => {} }] }),
        options,
      ),
    );
    const hubEventId = randomUUID();
    await harness.publish([{ providerEventId: "evt_cause", id: hubEventId }]);

    const states = await eventually("both consumers' states under the webhook's id", async () => {
      const found = await eventStates(harness.db, hubEventId);
      return found.length === 2 && found.every((state) => state.state === "processed") ? found : undefined;
    });
    const downstreamState = states.find((state) => state.consumer === downstream);
    assert.ok(downstreamState);
    assert.match(downstreamState.eventKey, /^fulfillment\.TaskCreated:task-created:/);
    assert.equal(downstreamState.position.topic, tasksTopic);
    await eventually("caught up", () => consumerCaughtUp(harness.brokers.join(","), groupId(downstream)));
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { WebhookEvent } from "@hooklog/schemas";
import { defineConsumer, type HandlerContext, type InboundEvent } from "../src/index.ts";
import { handlerFor } from "../src/dispatch.ts";

const context = {} as HandlerContext; // the handlers under test only say which of them ran

function webhook(type: string): InboundEvent {
  return { kind: "webhook", topic: "webhooks.stripe", type, key: `stripe:${type}`, event: {} as WebhookEvent, payload: () => ({}) };
}

describe("handlers registered by event type", () => {
  const ran: string[] = [];
  const consumer = defineConsumer({
    name: "by-type",
    subscriptions: [
      {
        topic: "webhooks.stripe",
        on: {
          "invoice.paid": async (event) => void ran.push(`paid ${event.key}`),
          "charge.refunded": async (event) => void ran.push(`refunded ${event.key}`),
        },
      },
      { topic: "fulfillment.TaskCreated", record: "fulfillment.TaskCreated", on: async (event) => void ran.push(`task ${event.key}`) },
    ],
  });
  const [stripe, tasks] = consumer.subscriptions;

  it("runs the handler declared for the event's type", async () => {
    ran.length = 0;
    await handlerFor(stripe, webhook("invoice.paid"))?.(context);
    await handlerFor(stripe, webhook("charge.refunded"))?.(context);
    assert.deepEqual(ran, ["paid stripe:invoice.paid", "refunded stripe:charge.refunded"]);
  });

  it("has no handler for a type none is declared for, nor for a name of Object's prototype", () => {
    assert.equal(handlerFor(stripe, webhook("invoice.payment_failed")), undefined);
    assert.equal(handlerFor(stripe, webhook("constructor")), undefined);
    assert.equal(handlerFor(stripe, webhook("toString")), undefined);
  });

  it("runs a domain subscription's handler for its record, and for no other", async () => {
    ran.length = 0;
    const task: InboundEvent = {
      kind: "domain",
      topic: "fulfillment.TaskCreated",
      type: "fulfillment.TaskCreated",
      key: "fulfillment.TaskCreated:t1",
      event: { eventId: "t1" },
    };
    await handlerFor(tasks, task)?.(context);
    assert.deepEqual(ran, ["task fulfillment.TaskCreated:t1"]);
    assert.equal(handlerFor(tasks, { ...task, type: "fulfillment.TaskCancelled" }), undefined);
    assert.equal(handlerFor(tasks, webhook("fulfillment.TaskCreated")), undefined);
    assert.equal(handlerFor(stripe, task), undefined);
  });

  it("refuses a topic subscribed to twice, and a webhook subscription without handlers", () => {
    const handler = async (): Promise<void> => {};
    assert.throws(
      () =>
        defineConsumer({
          name: "twice",
          subscriptions: [
            { topic: "t", on: { a: handler } },
            { topic: "t", on: { b: handler } },
          ],
        }),
      /topic t is subscribed to twice/,
    );
    assert.throws(() => defineConsumer({ name: "none", subscriptions: [{ topic: "t", on: {} }] }), /topic t has no handler/);
  });
});

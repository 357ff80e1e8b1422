import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { WebhookEvent } from "@hooklog/schemas";
import { defineConsumer, type HandlerContext, type InboundEvent } from "../src/index.ts";
import { handlerFor } from "../src/dispatch.ts";

const context = {} as HandlerContext; // the handlers under test only say which of them ran
const at = { position: { topic: "webhooks.stripe", partition: 0, offset: "0" }, messageKey: undefined, rootEventId: undefined, traceId: undefined };

function webhook(type: string): InboundEvent {
  return { kind: "webhook", topic: "webhooks.stripe", type, key: `stripe:${type}`, event: {} as WebhookEvent, payload: () => ({}), ...at };
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

  it("runs the '*' handler for every type no other handler names, and a named type's own handler before it", async () => {
    ran.length = 0;
    const everything = defineConsumer({
      name: "everything",
      subscriptions: [
        { topic: "webhooks.stripe", on: { "invoice.paid": async () => void ran.push("paid"), "*": async (event) => void ran.push(`any ${event.type}`) } },
      ],
    }).subscriptions[0];
    await handlerFor(everything, webhook("invoice.paid"))?.(context);
    await handlerFor(everything, webhook("charge.refunded"))?.(context);
    await handlerFor(everything, webhook("constructor"))?.(context);
    assert.deepEqual(ran, ["paid", "any charge.refunded", "any constructor"]);
  });

  it("runs a domain subscription's handler for its record, and for no other", async () => {
    ran.length = 0;
    const task: InboundEvent = {
      kind: "domain",
      topic: "fulfillment.TaskCreated",
      type: "fulfillment.TaskCreated",
      key: "fulfillment.TaskCreated:t1",
      event: { eventId: "t1" },
      ...at,
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

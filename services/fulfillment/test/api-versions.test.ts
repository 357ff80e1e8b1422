// One order, paid by its invoice and its PaymentIntent, as an endpoint of each Stripe API version
// receives it: whatever the version, the order is its PaymentIntent and gets one task.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { newOrder, startFulfillment, type FulfillmentHarness, type StripeEvent } from "./harness.ts";
import { BASIL_VERSION, CLOVER_VERSION, LEGACY_VERSION, invoicePaid, invoicePaymentPaid, paymentIntentSucceeded, type Order } from "./stripe-fixtures.ts";

const TASK_CREATED = "fulfillment.TaskCreated";

/** What Stripe sends an endpoint of `apiVersion` when an invoice is paid through its PaymentIntent. */
function invoicePaymentEvents(order: Order, apiVersion: string): StripeEvent[] {
  const invoiceEvents =
    apiVersion === LEGACY_VERSION ? [invoicePaid(order, apiVersion)] : [invoicePaid(order, apiVersion), invoicePaymentPaid(order, apiVersion)];
  return [...invoiceEvents, paymentIntentSucceeded(order, apiVersion)];
}

describe("fulfillment reads each Stripe API version's payment events", () => {
  let hub: FulfillmentHarness;

  before(async () => {
    hub = await startFulfillment();
  });

  after(async () => {
    await hub?.stop();
  });

  for (const apiVersion of [LEGACY_VERSION, BASIL_VERSION, CLOVER_VERSION]) {
    it(`gives an order paid by invoice.paid and payment_intent.succeeded of API version ${apiVersion} exactly one task, under its PaymentIntent`, async () => {
      const order = newOrder();
      const events = invoicePaymentEvents(order, apiVersion);

      assert.deepEqual(
        await Promise.all(events.map((event) => hub.deliver(event))),
        events.map(() => 202),
      );
      // Caught up rather than each event processed: a type fulfillment does not subscribe to is skipped, not processed.
      const created = await hub.publishedAbout(TASK_CREATED, `task_${order.orderId}`);

      assert.deepEqual(await hub.tasksOf(order.invoiceId), [], "the invoice is not an order of its own");
      assert.deepEqual(
        (await hub.tasksOf(order.orderId)).map((task) => task.status),
        ["pending"],
      );
      assert.equal(created.length, 1, `expected one TaskCreated, found ${created.length}`);
      assert.deepEqual(await hub.publishedAbout(TASK_CREATED, `task_${order.invoiceId}`), []);
    });
  }

  it("creates the task of a basil invoice paid through a PaymentIntent from invoice_payment.paid alone, should payment_intent.succeeded never come", async () => {
    const order = newOrder();
    const events = [invoicePaid(order, BASIL_VERSION), invoicePaymentPaid(order, BASIL_VERSION)];

    for (const event of events) assert.equal(await hub.deliver(event), 202);
    await hub.caughtUp();

    const [task] = await hub.tasksOf(order.orderId);
    assert.equal(task?.status, "pending");
    assert.equal(task?.created_by_event, `${hub.source}:${events[1]?.id}`, "basil's invoice.paid names no PaymentIntent, so it makes no task");
    assert.deepEqual(await hub.tasksOf(order.invoiceId), []);
  });
});

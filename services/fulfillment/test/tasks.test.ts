import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { replay } from "@hooklog/consumer-kit";
import { eventually, testStack } from "@hooklog/testkit";
import { newOrder, startFulfillment, stripeEvent, type DomainEvent, type FulfillmentHarness } from "./harness.ts";
import { chargeRefunded, checkoutCompleted, invoicePaid, paymentIntentSucceeded } from "./stripe-fixtures.ts";

const TASK_CREATED = "fulfillment.TaskCreated";
const TASK_CANCELLED = "fulfillment.TaskCancelled";

// Tests run one after another: they share one ingest and one fulfillment, and some count what the service did.
describe("fulfillment turns Stripe payments into one pick/pack task per order", () => {
  let hub: FulfillmentHarness;

  before(async () => {
    hub = await startFulfillment();
  });

  after(async () => {
    await hub?.stop();
  });

  async function waitForTask(orderId: string, status = "pending"): Promise<void> {
    await hub.eventually(`a ${status} task for ${orderId}`, async () => (await hub.tasksOf(orderId)).some((task) => task.status === status));
  }

  const publishedAbout = (record: string, taskId: string): Promise<DomainEvent[]> => hub.publishedAbout(record, taskId);

  it("creates one pending task for the PaymentIntent of a paid invoice and emits one fulfillment.TaskCreated", async () => {
    const order = newOrder();
    const event = invoicePaid(order);

    assert.equal(await hub.deliver(event), 202);
    await waitForTask(order.orderId);
    const created = await publishedAbout(TASK_CREATED, `task_${order.orderId}`);

    const [task] = await hub.tasksOf(order.orderId);
    assert.deepEqual(
      { ...task, created_at: undefined, updated_at: undefined },
      {
        task_id: `task_${order.orderId}`,
        order_id: order.orderId,
        status: "pending",
        amount: "4200",
        currency: "eur",
        created_by_event: `${hub.source}:${event.id}`,
        cancelled_reason: null,
        paid_at: new Date((JSON.parse(event.body) as { created: number }).created * 1000),
        refunded_at: null,
        created_at: undefined,
        updated_at: undefined,
      },
    );
    assert.equal(created.length, 1, `expected one TaskCreated, found ${created.length}`);
    const stripeCreated = (JSON.parse(event.body) as { created: number }).created;
    assert.deepEqual(created[0], {
      key: `task-created:task_${order.orderId}`,
      value: {
        eventId: `task-created:task_${order.orderId}`,
        occurredAt: stripeCreated * 1000,
        causationEventKey: `${hub.source}:${event.id}`,
        taskId: `task_${order.orderId}`,
        orderId: order.orderId,
        amount: 4200,
        currency: "eur",
      },
    });
  });

  it("keeps one task and one TaskCreated when an order is paid by invoice, PaymentIntent and checkout session, each redelivered and duplicated in Kafka", async () => {
    const order = newOrder();
    const events = [invoicePaid(order), paymentIntentSucceeded(order), checkoutCompleted(order)];
    const duplicatesBefore = await hub.metric("hooklog_consumer_duplicates_skipped_total");

    // Three rounds of all three at once: interleaved, and redelivered as Stripe does after a timeout.
    const statuses: number[] = [];
    for (let round = 0; round < 3; round += 1) statuses.push(...(await Promise.all(events.map((event) => hub.deliver(event)))));
    for (const event of events) await hub.processed(event.id);
    // Ingest answers a redelivery 200 duplicate; a producer retry can still put a copy in the log.
    const copies = await hub.duplicateTopicMessages([order.invoiceId, order.orderId, order.sessionId]);
    await hub.eventually(
      `${copies} copies skipped as duplicates`,
      async () => (await hub.metric("hooklog_consumer_duplicates_skipped_total")) >= duplicatesBefore + copies,
    );
    const created = await publishedAbout(TASK_CREATED, `task_${order.orderId}`);

    assert.deepEqual(statuses.slice(0, 3), [202, 202, 202]);
    assert.deepEqual(statuses.slice(3), [200, 200, 200, 200, 200, 200]);
    assert.equal(copies, 3);
    // One task per order is the table's unique constraint; what the service decides is that it announces one.
    assert.equal((await hub.tasksOf(order.orderId))[0]?.status, "pending");
    assert.equal(created.length, 1, `expected one TaskCreated, found ${created.length}`);
    assert.ok(events.some((event) => created[0]?.value.causationEventKey === `${hub.source}:${event.id}`));
  });

  it("cancels the pending task of a refunded charge's order and emits one fulfillment.TaskCancelled", async () => {
    const order = newOrder();
    await hub.deliver(invoicePaid(order));
    await waitForTask(order.orderId);
    const refund = chargeRefunded(order);

    assert.equal(await hub.deliver(refund), 202);
    await waitForTask(order.orderId, "cancelled");
    const cancelled = await publishedAbout(TASK_CANCELLED, `task_${order.orderId}`);

    const [task] = await hub.tasksOf(order.orderId);
    assert.equal(task?.cancelled_reason, `charge ${order.chargeId} refunded`);
    assert.deepEqual(task?.refunded_at, new Date((JSON.parse(refund.body) as { created: number }).created * 1000), "Stripe's time of the refund");
    assert.equal(cancelled.length, 1, `expected one TaskCancelled, found ${cancelled.length}`);
    const stripeCreated = (JSON.parse(refund.body) as { created: number }).created;
    assert.deepEqual(cancelled[0]?.value, {
      eventId: `task-cancelled:task_${order.orderId}`,
      occurredAt: stripeCreated * 1000,
      causationEventKey: `${hub.source}:${refund.id}`,
      taskId: `task_${order.orderId}`,
      orderId: order.orderId,
      reason: `charge ${order.chargeId} refunded`,
    });
  });

  it("leaves a task that has already shipped as it is when its charge is refunded, and emits no TaskCancelled", async () => {
    const order = newOrder();
    await hub.deliver(paymentIntentSucceeded(order));
    await waitForTask(order.orderId);
    await hub.db("fulfillment_tasks").where({ order_id: order.orderId }).update({ status: "shipped" });
    const refund = chargeRefunded(order);

    assert.equal(await hub.deliver(refund), 202);
    await hub.processed(refund.id);

    const [task] = await hub.tasksOf(order.orderId);
    assert.equal(task?.status, "shipped");
    assert.equal(task?.cancelled_reason, null);
    assert.deepEqual(await publishedAbout(TASK_CANCELLED, `task_${order.orderId}`), []);
  });

  it("records a refund that arrives before its order's payment, so the payment then makes no pending task, emits no TaskCreated and nothing is dead-lettered", async () => {
    const order = newOrder();
    const refund = chargeRefunded(order);
    const payment = invoicePaid(order);

    assert.equal(await hub.deliver(refund), 202);
    // Every attempt the refund gets, it has had: a payment delayed (an ingest 503, a slow partition) comes after all of them.
    await hub.caughtUp();
    assert.equal(await hub.deliver(payment), 202);
    await hub.caughtUp();

    const tasks = await hub.tasksOf(order.orderId);
    assert.deepEqual(
      tasks.map((task) => ({ status: task.status, cancelled_reason: task.cancelled_reason, created_by_event: task.created_by_event })),
      [{ status: "cancelled", cancelled_reason: `charge ${order.chargeId} refunded`, created_by_event: `${hub.source}:${payment.id}` }],
    );
    assert.deepEqual(await publishedAbout(TASK_CREATED, `task_${order.orderId}`), []);
    assert.deepEqual(await publishedAbout(TASK_CANCELLED, `task_${order.orderId}`), [], "no task was announced, so none is cancelled");
    const keys = new Set([refund, payment].map((event) => `${hub.source}:${event.id}`));
    assert.deepEqual(
      (await hub.deadLetters()).filter((message) => keys.has(message.headers["hooklog-event-key"]?.toString() ?? "")),
      [],
    );
  });

  it("dead-letters a paid invoice without an id on its first attempt, and creates no task", async () => {
    const event = stripeEvent("invoice.paid", { object: "invoice", amount_paid: 100, currency: "eur" });
    const deadBefore = await hub.metric("hooklog_consumer_dead_letters_total");

    assert.equal(await hub.deliver(event), 202);
    await hub.eventually("a dead letter", async () => (await hub.metric("hooklog_consumer_dead_letters_total")) > deadBefore);
    // The counter moves once Kafka has acknowledged the dead letter: the topic holds it, and any second one before it.

    const letters = (await hub.deadLetters()).filter((message) => message.headers["hooklog-event-key"]?.toString() === `${hub.source}:${event.id}`);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.headers["hooklog-attempt"]?.toString(), "1", "an invalid payload is not retried");
    assert.match(
      letters[0]?.headers["hooklog-error"]?.toString() ?? "",
      /invoice\.paid event is missing what fulfillment needs:\n✖ .+\n {2}→ at data\.object\.id/,
    );
    assert.equal(
      await hub
        .db("processed_events")
        .where({ consumer: hub.consumer, event_key: `${hub.source}:${event.id}` })
        .first(),
      undefined,
    );
  });

  it("rebuilds the same task rows from the log after the projection is dropped and the consumer replayed", async () => {
    const orders = [newOrder(), newOrder()];
    for (const order of orders) assert.equal(await hub.deliver(invoicePaid(order)), 202);
    assert.equal(await hub.deliver(chargeRefunded(orders[1] as ReturnType<typeof newOrder>)), 202);
    await waitForTask(orders[0]?.orderId ?? "");
    await waitForTask(orders[1]?.orderId ?? "", "cancelled");
    const rows = async (): Promise<unknown[]> =>
      (await Promise.all(orders.map((order) => hub.tasksOf(order.orderId)))).flat().map((row) => ({ ...row, created_at: undefined, updated_at: undefined }));
    const before = await rows();

    await hub.restartFulfillment(async (topic) => {
      await hub
        .db("fulfillment_tasks")
        .whereIn(
          "order_id",
          orders.map((order) => order.orderId),
        )
        .delete();
      await hub.db("processed_events").where({ consumer: hub.consumer }).delete();
      await replay(hub.consumer, { kafkaBrokers: (await testStack()).kafkaBrokers.split(","), topics: [topic] });
    });
    // The refund and the payment of an order are keyed apart (charge, invoice) and may be replayed in
    // either order; the refund-first row is completed when the payment comes: wait for the whole row.
    let rebuilt: unknown[] = [];
    await eventually(
      "the rebuilt rows to equal the ones before",
      async () => {
        rebuilt = await rows();
        return JSON.stringify(rebuilt) === JSON.stringify(before);
      },
      { context: () => JSON.stringify(rebuilt) },
    );
    assert.deepEqual(rebuilt, before);
  });
});

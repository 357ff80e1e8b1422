// A refund handled while its order's payment is being handled in another partition's transaction:
// the refund must see the task whole or not at all, never "not pending" for a task that is pending.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex, migrateLatest } from "@hooklog/db";
import { testStack, uniqueName } from "@hooklog/testkit";
import { fulfillmentMigrations } from "../src/migrations/index.ts";
import { cancelPendingTask, createTaskIfAbsent, taskIdFor } from "../src/tasks.ts";

/**
 * `trx` as cancelPendingTask sees it, except that its second statement runs only once `before` has
 * finished: the moment another transaction commits between the two is made to happen, not hoped for.
 */
function committingBeforeSecondStatement(trx: Knex.Transaction, before: () => Promise<void>): Knex.Transaction {
  let statements = 0;
  return new Proxy(trx, {
    apply(target, thisArg, args: Parameters<Knex.Transaction>) {
      const builder = Reflect.apply(target, thisArg, args) as Knex.QueryBuilder;
      statements += 1;
      if (statements === 2) {
        const run = builder.then.bind(builder);
        // biome-ignore lint/suspicious/noThenProperty: the builder is awaited through its then; this delays that one await.
        builder.then = ((resolve, reject) => before().then(() => run(resolve, reject))) as typeof builder.then;
      }
      return builder;
    },
  });
}

describe("a refund racing its order's payment", () => {
  let db: Knex;

  before(async () => {
    db = connectDatabase((await testStack()).databaseUrl, { applicationName: "fulfillment-cancel-race-test" });
    await migrateLatest(db, [fulfillmentMigrations]);
  });

  after(async () => {
    await db?.destroy();
  });

  it("reports no task (so the refund is retried) while the payment's task is uncommitted, even if it commits mid-way", async () => {
    const orderId = uniqueName("pi");
    const payment = await db.transaction();
    await createTaskIfAbsent(payment, { taskId: taskIdFor(orderId), orderId, amount: 4200, currency: "eur", createdByEvent: "stripe:evt_paid" });

    const refund = await db.transaction();
    let outcome: Awaited<ReturnType<typeof cancelPendingTask>>;
    try {
      outcome = await cancelPendingTask(
        committingBeforeSecondStatement(refund, async () => {
          await payment.commit();
        }),
        orderId,
        "charge ch_1 refunded",
      );
      await refund.commit();
    } finally {
      if (!payment.isCompleted()) await payment.commit();
    }

    assert.notDeepEqual(outcome, { kind: "not-pending", taskId: taskIdFor(orderId), status: "pending" }, "a pending task was reported as not pending");
    assert.deepEqual(outcome, { kind: "no-task" });
    const [task] = await db("fulfillment_tasks").where({ order_id: orderId }).select("status");
    assert.equal(task?.status, "pending", "the refund's retry, not this attempt, cancels it");
  });

  it("cancels a committed pending task, and leaves a shipped one as it is", async () => {
    const pendingOrder = uniqueName("pi");
    const shippedOrder = uniqueName("pi");
    await db.transaction((trx) =>
      createTaskIfAbsent(trx, { taskId: taskIdFor(pendingOrder), orderId: pendingOrder, amount: null, currency: null, createdByEvent: "e1" }),
    );
    await db.transaction((trx) =>
      createTaskIfAbsent(trx, { taskId: taskIdFor(shippedOrder), orderId: shippedOrder, amount: null, currency: null, createdByEvent: "e2" }),
    );
    await db("fulfillment_tasks").where({ order_id: shippedOrder }).update({ status: "shipped" });

    assert.deepEqual(await db.transaction((trx) => cancelPendingTask(trx, pendingOrder, "refunded")), { kind: "cancelled", taskId: taskIdFor(pendingOrder) });
    assert.deepEqual(await db.transaction((trx) => cancelPendingTask(trx, shippedOrder, "refunded")), {
      kind: "not-pending",
      taskId: taskIdFor(shippedOrder),
      status: "shipped",
    });
  });
});

// A refund and its order's payment handled at once, in the transactions of two partitions: exactly
// one of them makes the order's row, and the other sees it whole, never a pending task it leaves pending.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex, migrateLatest } from "@hooklog/db";
import { eventually, testStack, uniqueName } from "@hooklog/testkit";
import { fulfillmentMigrations } from "../src/migrations/index.ts";
import { recordPayment, recordRefund, taskIdFor, type Payment, type Refund } from "../src/tasks.ts";

const paymentOf = (orderId: string): Payment => ({
  orderId,
  amount: 4200,
  currency: "eur",
  paidByEvent: "stripe:evt_paid",
  paidAt: new Date("2026-01-01T10:00:00Z"),
});
const refundOf = (orderId: string): Refund => ({ orderId, reason: "charge ch_1 refunded", refundedAt: new Date("2026-01-01T11:00:00Z") });

describe("a refund racing its order's payment", () => {
  let db: Knex;

  before(async () => {
    db = connectDatabase((await testStack()).databaseUrl, { applicationName: "fulfillment-cancel-race-test" });
    await migrateLatest(db, [fulfillmentMigrations]);
  });

  after(async () => {
    await db?.destroy();
  });

  /** Starts `work` in a transaction of its own and resolves once it waits for a lock another transaction holds. */
  async function startBlocked<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<{ trx: Knex.Transaction; result: Promise<T> }> {
    const trx = await db.transaction();
    const { rows } = (await trx.raw("select pg_backend_pid() as pid")) as { rows: Array<{ pid: number }> };
    const pid = rows[0]?.pid;
    const result = work(trx);
    // Observed, not slept for: the backend waits on the order's unique index.
    await eventually(`backend ${pid} to wait for a lock`, async () => Boolean(await db("pg_locks").where({ pid, granted: false }).first()));
    return { trx, result };
  }

  const rowOf = (orderId: string) => db("fulfillment_tasks").where({ order_id: orderId }).first("status", "amount", "created_by_event", "cancelled_reason");

  it("a refund handled while its payment's task is uncommitted waits for the payment, then cancels the task", async () => {
    const orderId = uniqueName("pi");
    const payment = await db.transaction();
    assert.deepEqual(await recordPayment(payment, paymentOf(orderId)), { kind: "created", taskId: taskIdFor(orderId) });

    const refund = await startBlocked((trx) => recordRefund(trx, refundOf(orderId)));
    await payment.commit();
    const outcome = await refund.result;
    await refund.trx.commit();

    assert.deepEqual(outcome, { kind: "cancelled", taskId: taskIdFor(orderId) });
    assert.deepEqual(await rowOf(orderId), {
      status: "cancelled",
      amount: "4200",
      created_by_event: "stripe:evt_paid",
      cancelled_reason: "charge ch_1 refunded",
    });
  });

  it("a payment handled while its order's refund is uncommitted waits for the refund, then makes no pending task", async () => {
    const orderId = uniqueName("pi");
    const refund = await db.transaction();
    assert.deepEqual(await recordRefund(refund, refundOf(orderId)), { kind: "recorded-before-payment", taskId: taskIdFor(orderId) });

    const payment = await startBlocked((trx) => recordPayment(trx, paymentOf(orderId)));
    await refund.commit();
    const outcome = await payment.result;
    await payment.trx.commit();

    assert.deepEqual(outcome, { kind: "refunded-before-payment", taskId: taskIdFor(orderId) });
    assert.deepEqual(
      await rowOf(orderId),
      { status: "cancelled", amount: "4200", created_by_event: "stripe:evt_paid", cancelled_reason: "charge ch_1 refunded" },
      "the same row as a payment then its refund makes",
    );
  });

  it("a refund waiting on a payment that rolls back records the refund itself", async () => {
    const orderId = uniqueName("pi");
    const payment = await db.transaction();
    await recordPayment(payment, paymentOf(orderId));

    const refund = await startBlocked((trx) => recordRefund(trx, refundOf(orderId)));
    await payment.rollback();
    const outcome = await refund.result;
    await refund.trx.commit();

    assert.deepEqual(outcome, { kind: "recorded-before-payment", taskId: taskIdFor(orderId) });
    assert.deepEqual(await rowOf(orderId), { status: "cancelled", amount: null, created_by_event: null, cancelled_reason: "charge ch_1 refunded" });
  });

  it("cancels a committed pending task, leaves a shipped one as it is, and a second payment of a paid order changes nothing", async () => {
    const pendingOrder = uniqueName("pi");
    const shippedOrder = uniqueName("pi");
    await db.transaction((trx) => recordPayment(trx, paymentOf(pendingOrder)));
    await db.transaction((trx) => recordPayment(trx, paymentOf(shippedOrder)));
    await db("fulfillment_tasks").where({ order_id: shippedOrder }).update({ status: "shipped" });

    assert.deepEqual(await db.transaction((trx) => recordPayment(trx, { ...paymentOf(pendingOrder), paidByEvent: "stripe:evt_again" })), {
      kind: "already-paid",
      taskId: taskIdFor(pendingOrder),
    });
    assert.deepEqual(await db.transaction((trx) => recordRefund(trx, refundOf(pendingOrder))), { kind: "cancelled", taskId: taskIdFor(pendingOrder) });
    assert.deepEqual(await db.transaction((trx) => recordRefund(trx, refundOf(shippedOrder))), {
      kind: "not-pending",
      taskId: taskIdFor(shippedOrder),
      status: "shipped",
    });
    assert.equal((await rowOf(pendingOrder))?.created_by_event, "stripe:evt_paid");
  });
});

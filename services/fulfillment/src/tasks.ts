// The fulfillment_tasks projection (migrations in src/migrations): one row per order, made by whichever
// of its payment and its refund comes first. Stripe does not order its events, so a refund may.
import type { Knex } from "@hooklog/db";

export type TaskStatus = "pending" | "cancelled" | "shipped";

export interface Payment {
  orderId: string;
  amount: number | null;
  currency: string | null;
  paidByEvent: string;
  /** When Stripe says the order was paid (the event's `created`). */
  paidAt: Date;
}

export interface Refund {
  orderId: string;
  reason: string;
  /** When Stripe says the order was refunded. */
  refundedAt: Date;
}

/** Deterministic, so every copy of every payment event for an order names the same task. */
export const taskIdFor = (orderId: string): string => `task_${orderId}`;

export type PaymentOutcome =
  | { kind: "created"; taskId: string }
  | { kind: "refunded-before-payment"; taskId: string }
  | { kind: "already-paid"; taskId: string };

/**
 * Makes the order's pending task, unless a payment or a refund of the order made its row first. The
 * insert waits on the order's unique index for a row another transaction has not committed, so of a
 * payment and a refund handled at once exactly one makes the row. A row a refund made gets the
 * payment's details, and stays cancelled: the row ends the same whichever event came first.
 */
export async function recordPayment(trx: Knex.Transaction, payment: Payment): Promise<PaymentOutcome> {
  const taskId = taskIdFor(payment.orderId);
  const [row] = (await trx("fulfillment_tasks")
    .insert({
      task_id: taskId,
      order_id: payment.orderId,
      status: "pending" satisfies TaskStatus,
      amount: payment.amount,
      currency: payment.currency,
      created_by_event: payment.paidByEvent,
      paid_at: payment.paidAt,
      updated_at: trx.fn.now(),
    })
    .onConflict("order_id")
    .merge(["amount", "currency", "created_by_event", "paid_at", "updated_at"])
    // Only a row no payment has reached yet, which only a refund makes.
    .whereNull("fulfillment_tasks.created_by_event")
    .returning(["task_id", "status"])) as Array<{ task_id: string; status: TaskStatus }>;
  if (!row) return { kind: "already-paid", taskId };
  return row.status === "pending" ? { kind: "created", taskId: row.task_id } : { kind: "refunded-before-payment", taskId: row.task_id };
}

export type RefundOutcome =
  | { kind: "cancelled"; taskId: string }
  | { kind: "not-pending"; taskId: string; status: TaskStatus }
  | { kind: "recorded-before-payment"; taskId: string }
  | { kind: "no-task" };

/**
 * Cancels the order's task if it is still pending; a shipped (or already cancelled) task stays as it
 * is. With no row yet, the refund makes one, cancelled, that its payment will find. The insert waits
 * for a payment's uncommitted row; then one read decides, and locks the row it saw.
 */
export async function recordRefund(trx: Knex.Transaction, refund: Refund): Promise<RefundOutcome> {
  const taskId = taskIdFor(refund.orderId);
  const inserted = await trx("fulfillment_tasks")
    .insert({
      task_id: taskId,
      order_id: refund.orderId,
      status: "cancelled" satisfies TaskStatus,
      cancelled_reason: refund.reason,
      refunded_at: refund.refundedAt,
    })
    .onConflict("order_id")
    .ignore()
    .returning("task_id");
  if (inserted.length > 0) return { kind: "recorded-before-payment", taskId };
  const task = (await trx("fulfillment_tasks").where({ order_id: refund.orderId }).forUpdate().first("task_id", "status")) as
    | { task_id: string; status: TaskStatus }
    | undefined;
  // The row the insert met was deleted since (a projection dropped for a replay).
  if (!task) return { kind: "no-task" };
  if (task.status !== "pending") return { kind: "not-pending", taskId: task.task_id, status: task.status };
  await trx("fulfillment_tasks")
    .where({ task_id: task.task_id })
    .update({ status: "cancelled" satisfies TaskStatus, cancelled_reason: refund.reason, refunded_at: refund.refundedAt, updated_at: trx.fn.now() });
  return { kind: "cancelled", taskId: task.task_id };
}

// The fulfillment_tasks projection (migration src/migrations/0003_fulfillment_tasks.ts): one pick/pack task per order.
import type { Knex } from "@hooklog/db";

export type TaskStatus = "pending" | "cancelled" | "shipped";

export interface NewTask {
  taskId: string;
  orderId: string;
  amount: number | null;
  currency: string | null;
  createdByEvent: string;
}

/** Deterministic, so every copy of every payment event for an order names the same task. */
export const taskIdFor = (orderId: string): string => `task_${orderId}`;

/**
 * Inserts the order's task unless it has one; true when this call created it. Concurrent payments of
 * one order (in other partitions, other transactions) wait on the unique index, then insert nothing.
 */
export async function createTaskIfAbsent(trx: Knex.Transaction, task: NewTask): Promise<boolean> {
  const inserted = await trx("fulfillment_tasks")
    .insert({
      task_id: task.taskId,
      order_id: task.orderId,
      status: "pending" satisfies TaskStatus,
      amount: task.amount,
      currency: task.currency,
      created_by_event: task.createdByEvent,
    })
    .onConflict("order_id")
    .ignore()
    .returning("task_id");
  return inserted.length > 0;
}

export type CancelOutcome = { kind: "cancelled"; taskId: string } | { kind: "not-pending"; taskId: string; status: TaskStatus } | { kind: "no-task" };

/**
 * Cancels the order's task if it is still pending; a shipped (or already cancelled) task stays as it
 * is. One read decides, and locks the row it saw: a payment's task still uncommitted in another
 * transaction is "no-task" (the refund is retried), never "pending but not cancelled", which an update
 * that missed it followed by a read that found it reported, so the refund was dropped.
 */
export async function cancelPendingTask(trx: Knex.Transaction, orderId: string, reason: string): Promise<CancelOutcome> {
  const task = (await trx("fulfillment_tasks").where({ order_id: orderId }).forUpdate().first("task_id", "status")) as
    | { task_id: string; status: TaskStatus }
    | undefined;
  if (!task) return { kind: "no-task" };
  if (task.status !== "pending") return { kind: "not-pending", taskId: task.task_id, status: task.status };
  await trx("fulfillment_tasks")
    .where({ task_id: task.task_id })
    .update({ status: "cancelled" satisfies TaskStatus, cancelled_reason: reason, updated_at: trx.fn.now() });
  return { kind: "cancelled", taskId: task.task_id };
}

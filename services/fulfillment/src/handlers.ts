// Stripe payments into one pick/pack task per order; refunds cancel the task while it is unshipped.
import { HooklogError } from "@hooklog/core";
import { defineConsumer, type ConsumerDefinition, type HandlerContext, type WebhookInbound } from "@hooklog/consumer-kit";
import { PAYMENT_EVENT_TYPES, REFUND_EVENT_TYPE, paidOrderOf, refundedOrderOf, type PaymentEventType } from "./stripe-payments.ts";
import { cancelPendingTask, createTaskIfAbsent, taskIdFor } from "./tasks.ts";

export const TASK_CREATED = "fulfillment.TaskCreated";
export const TASK_CANCELLED = "fulfillment.TaskCancelled";

export interface FulfillmentSettings {
  consumerName: string;
  stripeTopic: string;
  /** Prepended to each domain record's topic name; empty in production. */
  tasksTopicPrefix: string;
  retryBaseDelayMs: number;
}

/**
 * A refund whose order has no task yet: the payment event may still be on its way (it is keyed by
 * another object, so it travels in another partition). The kit retries with backoff, then dead-letters.
 */
export class TaskNotFoundError extends HooklogError<"TASK_NOT_FOUND"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TASK_NOT_FOUND", message, { retryable: true, ...options });
  }
}

/** When the provider says the event happened; stable across redeliveries and replays of the envelope. */
const occurredAt = (inbound: WebhookInbound): number => inbound.event.providerTimestamp ?? inbound.event.receivedAt;

export async function createTaskForPayment(inbound: WebhookInbound, type: PaymentEventType, ctx: HandlerContext): Promise<void> {
  const order = paidOrderOf(type, inbound.payload());
  const taskId = taskIdFor(order.orderId);
  const created = await createTaskIfAbsent(ctx.trx, { taskId, ...order, createdByEvent: inbound.key });
  if (!created) {
    ctx.logger.debug({ taskId, orderId: order.orderId }, "order already has a task");
    return;
  }
  await ctx.emit(TASK_CREATED, {
    eventId: `task-created:${taskId}`,
    occurredAt: occurredAt(inbound),
    causationEventKey: inbound.key,
    taskId,
    orderId: order.orderId,
    amount: order.amount,
    currency: order.currency,
  });
}

export async function cancelTaskForRefund(inbound: WebhookInbound, ctx: HandlerContext): Promise<void> {
  const { orderId, chargeId } = refundedOrderOf(inbound.payload());
  const reason = `charge ${chargeId} refunded`;
  const outcome = await cancelPendingTask(ctx.trx, orderId, reason);
  switch (outcome.kind) {
    case "cancelled":
      await ctx.emit(TASK_CANCELLED, {
        eventId: `task-cancelled:${outcome.taskId}`,
        occurredAt: occurredAt(inbound),
        causationEventKey: inbound.key,
        taskId: outcome.taskId,
        orderId,
        reason,
      });
      return;
    case "not-pending":
      ctx.logger.info({ taskId: outcome.taskId, status: outcome.status, chargeId }, "refund leaves a task that is no longer pending as it is");
      return;
    case "no-task":
      throw new TaskNotFoundError(`no fulfillment task for order ${orderId} (refunded by charge ${chargeId}) yet`);
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled cancel outcome ${JSON.stringify(unknown)}`);
    }
  }
}

export function fulfillmentConsumer(settings: FulfillmentSettings): ConsumerDefinition {
  const payments = PAYMENT_EVENT_TYPES.map(
    (type) => [type, (inbound: WebhookInbound, ctx: HandlerContext) => createTaskForPayment(inbound, type, ctx)] as const,
  );
  return defineConsumer({
    name: settings.consumerName,
    subscriptions: [{ topic: settings.stripeTopic, on: { ...Object.fromEntries(payments), [REFUND_EVENT_TYPE]: cancelTaskForRefund } }],
    emits: [TASK_CREATED, TASK_CANCELLED].map((record) => ({ record, topic: `${settings.tasksTopicPrefix}${record}` })),
    retryBaseDelayMs: settings.retryBaseDelayMs,
  });
}

// Stripe payments into one pick/pack task per order; refunds cancel the task while it is unshipped,
// and a refund that comes before its payment leaves the order refunded for the payment to find.
import { HooklogError } from "@hooklog/core";
import { defineConsumer, type ConsumerDefinition, type HandlerContext, type WebhookInbound } from "@hooklog/consumer-kit";
import { PAYMENT_EVENT_TYPES, REFUND_EVENT_TYPE, paidOrderOf, refundedOrderOf, type PaymentEventType } from "./stripe-payments.ts";
import { recordPayment, recordRefund } from "./tasks.ts";

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
 * A refund whose order's row vanished between its insert and its read (a projection dropped for a
 * replay). Retried, it finds the row again or makes it.
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
  if (!order) {
    ctx.logger.info({ type }, "the invoice names no PaymentIntent in this API version; its invoice_payment.paid and payment_intent.succeeded name the order");
    return;
  }
  const outcome = await recordPayment(ctx.trx, { ...order, paidByEvent: inbound.key, paidAt: new Date(occurredAt(inbound)) });
  if (outcome.kind !== "created") {
    ctx.logger.info({ taskId: outcome.taskId, orderId: order.orderId, outcome: outcome.kind }, "payment of an order that has its row; no task to create");
    return;
  }
  await ctx.emit(TASK_CREATED, {
    eventId: `task-created:${outcome.taskId}`,
    occurredAt: occurredAt(inbound),
    causationEventKey: inbound.key,
    taskId: outcome.taskId,
    orderId: order.orderId,
    amount: order.amount,
    currency: order.currency,
  });
}

export async function cancelTaskForRefund(inbound: WebhookInbound, ctx: HandlerContext): Promise<void> {
  const { orderId, chargeId } = refundedOrderOf(inbound.payload());
  const reason = `charge ${chargeId} refunded`;
  const outcome = await recordRefund(ctx.trx, { orderId, reason, refundedAt: new Date(occurredAt(inbound)) });
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
    case "recorded-before-payment":
      // No task was announced, so there is none to cancel: the payment, when it comes, finds the order refunded.
      ctx.logger.info({ taskId: outcome.taskId, orderId, chargeId }, "refund before its order's payment recorded");
      return;
    case "no-task":
      throw new TaskNotFoundError(`the row of order ${orderId} (refunded by charge ${chargeId}) vanished while the refund was handled`);
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled refund outcome ${JSON.stringify(unknown)}`);
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

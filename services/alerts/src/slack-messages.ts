// The Slack messages alerts sends: one line of key facts each.
import { z } from "@hooklog/config";
import { parsePayload } from "./payloads.ts";
import type { SlackMessage } from "./slack.ts";

const id = z.string().min(1);

/** Stripe amounts are in the currency's smallest unit (https://docs.stripe.com/currencies#minor-units). */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return `${amount} ${code}`; // not an ISO 4217 code Intl knows: show the raw minor units
  }
  return `${(amount / 10 ** digits).toFixed(digits)} ${code}`;
}

const stripeObject = <T extends z.ZodRawShape>(shape: T) => z.object({ data: z.object({ object: z.object(shape) }) });

const failedInvoice = stripeObject({
  id,
  amount_due: z.number().int(),
  currency: id,
  customer: id.nullish(),
  customer_email: z.string().nullish(),
  attempt_count: z.number().int().nullish(),
});

export function paymentFailedMessage(payload: unknown): SlackMessage {
  const invoice = parsePayload("invoice.payment_failed", failedInvoice, payload).data.object;
  const customer = [invoice.customer ?? "unknown customer", invoice.customer_email ? `(${invoice.customer_email})` : ""].filter(Boolean).join(" ");
  const attempt = invoice.attempt_count ? `, attempt ${invoice.attempt_count}` : "";
  return { text: `Payment failed: invoice ${invoice.id} for ${formatAmount(invoice.amount_due, invoice.currency)}, customer ${customer}${attempt}` };
}

const dispute = stripeObject({ id, amount: z.number().int(), currency: id, reason: id, charge: id.nullish() });

export function disputeCreatedMessage(payload: unknown): SlackMessage {
  const opened = parsePayload("charge.dispute.created", dispute, payload).data.object;
  const charge = opened.charge ? ` on charge ${opened.charge}` : "";
  return { text: `Dispute opened: ${opened.id} for ${formatAmount(opened.amount, opened.currency)}${charge}, reason ${opened.reason}` };
}

// Avro has already checked the record against fulfillment.TaskCreated; this names the fields we rely on.
const taskCreated = z.object({ taskId: id, orderId: id, amount: z.number().int().nullable(), currency: z.string().nullable() });

export function taskCreatedMessage(event: Record<string, unknown>): SlackMessage {
  const task = parsePayload("fulfillment.TaskCreated", taskCreated, event);
  const amount = task.amount !== null && task.currency ? ` (${formatAmount(task.amount, task.currency)})` : "";
  return { text: `New fulfillment task ${task.taskId} for order ${task.orderId}${amount}` };
}

// What fulfillment reads from a Stripe event: the order (PaymentIntent) it is about, and the amount.
// https://docs.stripe.com/api/events/object — `data.object` is the invoice, invoice payment, PaymentIntent,
// session or charge, rendered in the event's `api_version`.
import { HooklogError } from "@hooklog/core";
import { z } from "@hooklog/config";
import { invoicePaymentSchema, invoiceSchema, orderOfInvoice, orderOfInvoicePayment } from "./stripe-invoices.ts";

export const PAYMENT_EVENT_TYPES = ["invoice.paid", "invoice_payment.paid", "payment_intent.succeeded", "checkout.session.completed"] as const;
export const REFUND_EVENT_TYPE = "charge.refunded";

export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export interface PaidOrder {
  orderId: string;
  /** In the currency's smallest unit. */
  amount: number | null;
  currency: string | null;
}

export interface RefundedOrder {
  orderId: string;
  chargeId: string;
}

/**
 * A Stripe event without the fields fulfillment needs. Retrying cannot help, so the kit dead-letters
 * it on the first attempt, where it waits for a fix and a redrive.
 */
export class InvalidStripePayloadError extends HooklogError<"INVALID_STRIPE_PAYLOAD"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_STRIPE_PAYLOAD", message, { retryable: false, ...options });
  }
}

const id = z.string().min(1);
const minorUnits = z.number().int().nullish();
const currency = z.string().min(1).nullish();

// Webhook objects are never expanded, so a PaymentIntent reference is its id (or null).
const paymentIntent = z.object({ id, amount_received: minorUnits, amount: minorUnits, currency });
const checkoutSession = z.object({ id, payment_intent: id.nullish(), amount_total: minorUnits, currency });

// A charge refunded outside a PaymentIntent (the legacy Charges API) belongs to no order we track.
const refundedCharge = z.object({ id, payment_intent: id });

interface StripeObject<T> {
  object: T;
  apiVersion: string | null | undefined;
}

function stripeObject<T extends z.ZodType>(payload: unknown, type: string, schema: T): StripeObject<z.infer<T>> {
  // Parsed whole, so zod names each field by its full path (data.object.amount_paid).
  const result = z.object({ api_version: z.string().nullish(), data: z.object({ object: schema }) }).safeParse(payload);
  if (!result.success) throw new InvalidStripePayloadError(`${type} event is missing what fulfillment needs:\n${z.prettifyError(result.error)}`);
  // zod's generic output type loses the nesting for a generic T; the schema has just checked it.
  const event = result.data as { api_version?: string | null; data: { object: z.infer<T> } };
  return { object: event.data.object, apiVersion: event.api_version };
}

/** The order the event pays, or null when the event cannot name it (see orderOfInvoice). */
export function paidOrderOf(type: PaymentEventType, payload: unknown): PaidOrder | null {
  switch (type) {
    case "invoice.paid": {
      const { object: invoice, apiVersion } = stripeObject(payload, type, invoiceSchema);
      const orderId = orderOfInvoice(invoice, apiVersion);
      return orderId === null ? null : { orderId, amount: invoice.amount_paid ?? null, currency: invoice.currency ?? null };
    }
    case "invoice_payment.paid": {
      const { object: payment } = stripeObject(payload, type, invoicePaymentSchema);
      return { orderId: orderOfInvoicePayment(payment), amount: payment.amount_paid ?? null, currency: payment.currency ?? null };
    }
    case "payment_intent.succeeded": {
      const { object: intent } = stripeObject(payload, type, paymentIntent);
      return { orderId: intent.id, amount: intent.amount_received ?? intent.amount ?? null, currency: intent.currency ?? null };
    }
    case "checkout.session.completed": {
      const { object: session } = stripeObject(payload, type, checkoutSession);
      return { orderId: session.payment_intent ?? session.id, amount: session.amount_total ?? null, currency: session.currency ?? null };
    }
    default: {
      const unknown: never = type;
      throw new Error(`no payment reading for ${String(unknown)}`);
    }
  }
}

export function refundedOrderOf(payload: unknown): RefundedOrder {
  const { object: charge } = stripeObject(payload, REFUND_EVENT_TYPE, refundedCharge);
  return { orderId: charge.payment_intent, chargeId: charge.id };
}

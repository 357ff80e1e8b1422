// Stripe events as Stripe sends them (https://docs.stripe.com/api/events/object), pretty-printed,
// signed by the stripe SDK. Every attempt is signed anew with its own timestamp, as Stripe's retries are.
import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import type { SignedDelivery } from "./signed-delivery.ts";

const token = (): string => randomBytes(10).toString("hex");
const STRIPE_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

export interface StripeEvent {
  eventId: string;
  type: string;
  body: string;
}

function event(type: string, object: Record<string, unknown>): StripeEvent {
  const eventId = `evt_${token()}`;
  const body = {
    id: eventId,
    object: "event",
    api_version: "2025-06-30.basil",
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_${token()}`, idempotency_key: null },
    data: { object },
  };
  return { eventId, type, body: JSON.stringify(body, null, 2) };
}

/** An invoice paid through a PaymentIntent: fulfillment makes a task for the order `pi_...`. */
export function invoicePaid(): StripeEvent & { orderId: string } {
  const orderId = `pi_${token()}`;
  const paid = event("invoice.paid", {
    id: `in_${token()}`,
    object: "invoice",
    payment_intent: orderId,
    amount_paid: 4200,
    currency: "eur",
    customer: `cus_${token()}`,
    status: "paid",
  });
  return { ...paid, orderId };
}

export function invoicePaymentFailed(): StripeEvent & { invoiceId: string } {
  const invoiceId = `in_${token()}`;
  const failed = event("invoice.payment_failed", {
    id: invoiceId,
    object: "invoice",
    amount_due: 1999,
    currency: "usd",
    customer: `cus_${token()}`,
    customer_email: "jenny.rosen@example.com",
    attempt_count: 1,
    status: "open",
  });
  return { ...failed, invoiceId };
}

export function disputeCreated(): StripeEvent & { disputeId: string } {
  const disputeId = `dp_${token()}`;
  const created = event("charge.dispute.created", {
    id: disputeId,
    object: "dispute",
    amount: 5000,
    currency: "gbp",
    reason: "fraudulent",
    charge: `ch_${token()}`,
    status: "needs_response",
  });
  return { ...created, disputeId };
}

export function signStripe(body: string, secret: string): SignedDelivery {
  return {
    body: Buffer.from(body),
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": STRIPE_USER_AGENT,
      "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: Math.floor(Date.now() / 1000) }),
    },
  };
}

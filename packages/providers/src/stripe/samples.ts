// Events of the shapes Stripe documents (https://docs.stripe.com/api/events/types), trimmed to the
// fields consumers read, with fresh ids. The API version is the one the stripe library pins.
import Stripe from "stripe";
import { freshId, freshUuid, unixSeconds } from "../sample-ids.ts";
import type { Json } from "../json.ts";

type Sample = (created: number) => { object: Json; previous?: Json };

const paymentIntent: Sample = (created) => ({
  object: {
    id: freshId("pi_"),
    object: "payment_intent",
    amount: 2000,
    amount_received: 2000,
    currency: "usd",
    customer: freshId("cus_", 14),
    status: "succeeded",
    created,
    livemode: false,
    metadata: { order_id: freshId("ord_", 10) },
  },
});

const checkoutSession: Sample = (created) => ({
  object: {
    id: freshId("cs_test_", 58),
    object: "checkout.session",
    amount_total: 4500,
    currency: "eur",
    customer: freshId("cus_", 14),
    customer_details: { email: "jenny.rosen@example.com", name: "Jenny Rosen" },
    mode: "payment",
    payment_intent: freshId("pi_"),
    payment_status: "paid",
    status: "complete",
    created,
    livemode: false,
    metadata: { order_id: freshId("ord_", 10) },
  },
});

const invoice: Sample = (created) => ({
  object: {
    id: freshId("in_"),
    object: "invoice",
    amount_due: 1500,
    amount_paid: 1500,
    currency: "usd",
    customer: freshId("cus_", 14),
    status: "paid",
    created,
    livemode: false,
    lines: { object: "list", data: [], has_more: false },
  },
});

const subscription: Sample = (created) => ({
  object: {
    id: freshId("sub_"),
    object: "subscription",
    customer: freshId("cus_", 14),
    status: "active",
    cancel_at_period_end: true,
    created,
    livemode: false,
  },
  previous: { cancel_at_period_end: false },
});

export const stripeSamples: Readonly<Record<string, Sample>> = {
  "payment_intent.succeeded": paymentIntent,
  "checkout.session.completed": checkoutSession,
  "invoice.paid": invoice,
  "customer.subscription.updated": subscription,
};

/** A whole event object of `type`, as a webhook body carries it. */
export function stripeSampleEvent(type: string, now: Date): Json {
  const sample = stripeSamples[type];
  if (!sample) throw new RangeError(`no Stripe sample of type ${type} (samples: ${Object.keys(stripeSamples).join(", ")})`);
  const created = unixSeconds(now);
  const { object, previous } = sample(created);
  return {
    id: freshId("evt_"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created,
    data: previous ? { object, previous_attributes: previous } : { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: freshId("req_", 14), idempotency_key: freshUuid() },
    type,
  };
}

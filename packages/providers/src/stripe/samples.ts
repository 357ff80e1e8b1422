// Events of the shapes Stripe documents (https://docs.stripe.com/api/events/types), in the API version
// the stripe library pins. Each event id is fresh; the objects' ids are the run's when related.
import Stripe from "stripe";
import type { JsonObject } from "../json.ts";
import { sampleOf } from "../sample-delivery.ts";
import { sampleContext, type SampleRelations } from "../sample-relations.ts";
import { freshId, freshUuid } from "../sample-ids.ts";
import { invoicePaid, invoicePaymentFailed, subscriptionCreated, subscriptionDeleted, subscriptionUpdated } from "./sample-billing.ts";
import { stripeLinks, type StripeLinks } from "./sample-links.ts";
import { chargeDisputeCreated, chargeRefunded, checkoutSessionCompleted, paymentIntentSucceeded, type StripeSampleObject } from "./sample-payments.ts";

interface StripeSample {
  description: string;
  object: (links: StripeLinks) => StripeSampleObject;
}

/** The most common first, as `hooklog trigger --list` shows them. */
export const stripeSamples: Readonly<Record<string, StripeSample>> = {
  "invoice.paid": { description: "the subscription's invoice, paid by the payment intent (fulfillment makes a task)", object: invoicePaid },
  "invoice.payment_failed": { description: "the subscription's invoice, its payment declined (alerts posts to Slack)", object: invoicePaymentFailed },
  "payment_intent.succeeded": { description: "the payment intent that pays the invoice, with its latest charge", object: paymentIntentSucceeded },
  "checkout.session.completed": { description: "a paid Checkout Session in payment mode, naming the payment intent", object: checkoutSessionCompleted },
  "charge.refunded": { description: "the payment intent's charge, refunded in full (fulfillment cancels the task)", object: chargeRefunded },
  "charge.dispute.created": { description: "a dispute of the payment intent's charge (alerts posts to Slack)", object: chargeDisputeCreated },
  "customer.subscription.created": { description: "the subscription the invoice bills, active", object: subscriptionCreated },
  "customer.subscription.updated": { description: "the subscription, set to cancel at the end of its period", object: subscriptionUpdated },
  "customer.subscription.deleted": { description: "the subscription, cancelled", object: subscriptionDeleted },
};

export const stripeSampleDescription = (type: string): string => sampleOf(stripeSamples, "Stripe", type).description;

/** A whole event object of `type`, as a webhook body carries it. */
export function stripeSampleEvent(type: string, related: SampleRelations | undefined, now: Date): JsonObject {
  // Looked up first, so an unknown type takes no tick of the run's clock.
  const sample = sampleOf(stripeSamples, "Stripe", type);
  const links = stripeLinks(sampleContext(related, now));
  const { object, previous } = sample.object(links);
  return {
    // Fresh even in a related run: each event is its own, whatever objects it shares.
    id: freshId("evt_"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: links.at,
    data: previous ? { object, previous_attributes: previous } : { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: freshId("req_", 14), idempotency_key: freshUuid() },
    type,
  };
}

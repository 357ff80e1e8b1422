// The payment side of the samples: the payment intent, its charge (refunded, disputed) and the
// Checkout Session that collected it. Shapes of the pinned API version, trimmed to what consumers
// and people read: https://docs.stripe.com/api/payment_intents/object, /api/charges/object,
// /api/disputes/object, /api/checkout/sessions/object
import { freshId } from "../sample-ids.ts";
import type { JsonObject } from "../json.ts";
import { stripeList, type StripeLinks } from "./sample-links.ts";

export interface StripeSampleObject {
  object: JsonObject;
  /** The event's data.previous_attributes, for *.updated events and changes such as a refund. */
  previous?: JsonObject;
}

export function paymentIntentSucceeded(links: StripeLinks): StripeSampleObject {
  const { paymentIntent, amount, currency, customer, charge, paymentMethod, created } = links;
  return {
    object: {
      id: paymentIntent,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: amount,
      capture_method: "automatic_async",
      client_secret: `${paymentIntent}_secret_${freshId("", 25)}`,
      confirmation_method: "automatic",
      created,
      currency,
      customer,
      description: "Subscription creation",
      last_payment_error: null,
      // The charge that charge.refunded and charge.dispute.created are about.
      latest_charge: charge,
      livemode: false,
      metadata: {},
      payment_method: paymentMethod,
      payment_method_types: ["card"],
      status: "succeeded",
    },
  };
}

function charge(links: StripeLinks): JsonObject {
  const { charge: id, amount, currency, customer, email, paymentIntent, paymentMethod, created } = links;
  return {
    id,
    object: "charge",
    amount,
    amount_captured: amount,
    amount_refunded: 0,
    balance_transaction: freshId("txn_"),
    billing_details: { email, name: "Jenny Rosen", address: { country: "US", postal_code: "94107" } },
    captured: true,
    created,
    currency,
    customer,
    disputed: false,
    livemode: false,
    metadata: {},
    outcome: { network_status: "approved_by_network", risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
    paid: true,
    // Fulfillment finds the order a refund cancels by it.
    payment_intent: paymentIntent,
    payment_method: paymentMethod,
    payment_method_details: { type: "card", card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034, country: "US", funding: "credit" } },
    receipt_email: email,
    refunded: false,
    status: "succeeded",
  };
}

export function chargeRefunded(links: StripeLinks): StripeSampleObject {
  const refund = {
    id: freshId("re_"),
    object: "refund",
    amount: links.amount,
    charge: links.charge,
    created: links.at,
    currency: links.currency,
    payment_intent: links.paymentIntent,
    reason: "requested_by_customer",
    status: "succeeded",
  };
  return {
    object: { ...charge(links), amount_refunded: links.amount, refunded: true, refunds: stripeList([refund], `/v1/charges/${links.charge}/refunds`) },
    previous: { amount_refunded: 0, refunded: false },
  };
}

export function chargeDisputeCreated(links: StripeLinks): StripeSampleObject {
  return {
    object: {
      id: freshId("dp_"),
      object: "dispute",
      amount: links.amount,
      balance_transactions: [],
      charge: links.charge,
      created: links.at,
      currency: links.currency,
      evidence_details: { due_by: links.at + 7 * 24 * 60 * 60, has_evidence: false, past_due: false, submission_count: 0 },
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: links.paymentIntent,
      reason: "fraudulent",
      status: "needs_response",
    },
  };
}

export function checkoutSessionCompleted(links: StripeLinks): StripeSampleObject {
  const { amount, currency, customer, email, paymentIntent, created } = links;
  return {
    object: {
      id: freshId("cs_test_", 58),
      object: "checkout.session",
      amount_subtotal: amount,
      amount_total: amount,
      created,
      currency,
      customer,
      customer_details: { email, name: "Jenny Rosen", address: { country: "US", postal_code: "94107" } },
      expires_at: created + 24 * 60 * 60,
      invoice: null,
      livemode: false,
      metadata: {},
      mode: "payment",
      // The order fulfillment tasks: the run's one payment intent.
      payment_intent: paymentIntent,
      payment_status: "paid",
      status: "complete",
      subscription: null,
      success_url: "https://example.com/checkout/success",
    },
  };
}

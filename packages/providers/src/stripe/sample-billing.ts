// The billing side of the samples: the subscription and the invoice it bills. Shapes of the pinned
// API version (basil and later: the subscription under `parent`, payments under `payments`), trimmed:
// https://docs.stripe.com/api/invoices/object, /api/invoice-payment/object, /api/subscriptions/object
import { freshId } from "../sample-ids.ts";
import type { JsonObject } from "../json.ts";
import { monthAfter, stripeList, type StripeLinks } from "./sample-links.ts";
import type { StripeSampleObject } from "./sample-payments.ts";

function invoice(links: StripeLinks, paid: boolean): JsonObject {
  const { invoice: id, amount, currency, customer, email, subscription, created, at } = links;
  const line = {
    id: freshId("il_"),
    object: "line_item",
    amount,
    currency,
    description: "1 × Hooklog Pro (at $20.00 / month)",
    invoice: id,
    livemode: false,
    metadata: {},
    parent: {
      type: "subscription_item_details",
      subscription_item_details: { invoice_item: null, proration: false, subscription, subscription_item: links.subscriptionItem },
    },
    period: { start: created, end: monthAfter(created) },
    pricing: { type: "price_details", price_details: { price: links.price, product: links.product }, unit_amount_decimal: String(amount) },
    quantity: 1,
  };
  // From basil on, an InvoicePayment links the invoice to the payment intent that pays it; neither
  // names the other. `payments` is includable (a retrieve with include), not sent by default: the
  // sample carries it so that its invoice.paid names the order, as fulfillment reads it.
  const payment = {
    id: links.invoicePayment,
    object: "invoice_payment",
    amount_paid: paid ? amount : null,
    amount_requested: amount,
    created,
    currency,
    invoice: id,
    is_default: true,
    livemode: false,
    payment: { type: "payment_intent", payment_intent: links.paymentIntent },
    status: paid ? "paid" : "open",
    status_transitions: { canceled_at: null, paid_at: paid ? at : null },
  };
  return {
    id,
    object: "invoice",
    account_country: "US",
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    attempt_count: 1,
    attempted: true,
    billing_reason: "subscription_create",
    collection_method: "charge_automatically",
    created,
    currency,
    customer,
    customer_email: email,
    customer_name: "Jenny Rosen",
    lines: stripeList([line], `/v1/invoices/${id}/lines`),
    livemode: false,
    metadata: {},
    next_payment_attempt: paid ? null : at + 3 * 24 * 60 * 60,
    number: `${id.slice(3, 11).toUpperCase()}-0001`,
    parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: {}, subscription } },
    payments: stripeList([payment], "/v1/invoice_payments"),
    period_end: created,
    period_start: created,
    status: paid ? "paid" : "open",
    status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: paid ? at : null, voided_at: null },
    subtotal: amount,
    total: amount,
  };
}

export const invoicePaid = (links: StripeLinks): StripeSampleObject => ({ object: invoice(links, true) });

export const invoicePaymentFailed = (links: StripeLinks): StripeSampleObject => ({ object: invoice(links, false) });

function subscription(links: StripeLinks): JsonObject {
  const { subscription: id, amount, currency, customer, created } = links;
  const item = {
    id: links.subscriptionItem,
    object: "subscription_item",
    created,
    current_period_start: created,
    current_period_end: monthAfter(created),
    metadata: {},
    price: {
      id: links.price,
      object: "price",
      active: true,
      currency,
      product: links.product,
      recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
      type: "recurring",
      unit_amount: amount,
    },
    quantity: 1,
    subscription: id,
  };
  return {
    id,
    object: "subscription",
    billing_cycle_anchor: created,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created,
    currency,
    customer,
    ended_at: null,
    items: stripeList([item], `/v1/subscription_items?subscription=${id}`),
    latest_invoice: links.invoice,
    livemode: false,
    metadata: {},
    start_date: created,
    status: "active",
  };
}

export const subscriptionCreated = (links: StripeLinks): StripeSampleObject => ({ object: subscription(links) });

export const subscriptionUpdated = (links: StripeLinks): StripeSampleObject => ({
  object: { ...subscription(links), cancel_at: monthAfter(links.created), cancel_at_period_end: true },
  previous: { cancel_at: null, cancel_at_period_end: false },
});

export const subscriptionDeleted = (links: StripeLinks): StripeSampleObject => ({
  object: {
    ...subscription(links),
    canceled_at: links.at,
    cancellation_details: { comment: null, feedback: null, reason: "cancellation_requested" },
    ended_at: links.at,
    status: "canceled",
  },
});

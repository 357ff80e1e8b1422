// Stripe's payment events of one order, in the shapes Stripe documents for each API version, trimmed to
// what fulfillment reads and what marks the version. From 2025-03-31.basil the invoice no longer names
// its PaymentIntent, nor the PaymentIntent its invoice; an InvoicePayment links the two:
// https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices
import { stripeEvent, type StripeEvent, type newOrder } from "./harness.ts";

export type Order = ReturnType<typeof newOrder>;

/** The version the existing endpoints were made with, and the first and a later one without invoice.payment_intent. */
export const LEGACY_VERSION = "2024-06-20";
export const BASIL_VERSION = "2025-03-31.basil";
export const CLOVER_VERSION = "2025-09-30.clover";

const isLegacy = (apiVersion: string): boolean => apiVersion < "2025-03-31";

/** https://docs.stripe.com/api/invoices/object?api-version=2024-06-20 and ?api-version=2025-03-31.basil */
export function invoicePaid(order: Order, apiVersion = LEGACY_VERSION): StripeEvent {
  const invoice = { id: order.invoiceId, object: "invoice", amount_paid: 4200, currency: "eur", customer: "cus_NffrFeUfNV2Hib", status: "paid" };
  if (isLegacy(apiVersion)) return stripeEvent("invoice.paid", { ...invoice, payment_intent: order.orderId, charge: order.chargeId, paid: true }, apiVersion);
  // `payments` is includable, so not in a webhook; `parent` says what made the invoice.
  return stripeEvent(
    "invoice.paid",
    { ...invoice, parent: { type: "subscription_details", subscription_details: { subscription: "sub_1MowQVLkdIwHu7ixeRlqHVzs" } } },
    apiVersion,
  );
}

/** https://docs.stripe.com/api/invoice-payment/object: the event exists from 2025-05-28.basil's partial payments on. */
export function invoicePaymentPaid(order: Order, apiVersion = BASIL_VERSION): StripeEvent {
  return stripeEvent(
    "invoice_payment.paid",
    {
      id: `inpay_${order.orderId.slice(3)}`,
      object: "invoice_payment",
      amount_paid: 4200,
      amount_requested: 4200,
      currency: "eur",
      invoice: order.invoiceId,
      is_default: true,
      livemode: false,
      payment: { type: "payment_intent", payment_intent: order.orderId },
      status: "paid",
      status_transitions: { canceled_at: null, paid_at: 1_680_800_504 },
    },
    apiVersion,
  );
}

/** https://docs.stripe.com/api/payment_intents/object: `invoice` is there before basil only. */
export function paymentIntentSucceeded(order: Order, apiVersion = LEGACY_VERSION): StripeEvent {
  const intent = { id: order.orderId, object: "payment_intent", amount: 4200, amount_received: 4200, currency: "eur", status: "succeeded" };
  return stripeEvent("payment_intent.succeeded", isLegacy(apiVersion) ? { ...intent, invoice: order.invoiceId } : intent, apiVersion);
}

export function checkoutCompleted(order: Order, apiVersion = LEGACY_VERSION): StripeEvent {
  return stripeEvent(
    "checkout.session.completed",
    { id: order.sessionId, object: "checkout.session", mode: "payment", payment_intent: order.orderId, amount_total: 4200, currency: "eur" },
    apiVersion,
  );
}

/** https://docs.stripe.com/api/charges/object: the charge keeps its `payment_intent` in every version. */
export function chargeRefunded(order: Order, apiVersion = LEGACY_VERSION): StripeEvent {
  return stripeEvent(
    "charge.refunded",
    { id: order.chargeId, object: "charge", payment_intent: order.orderId, amount: 4200, amount_refunded: 4200, refunded: true, currency: "eur" },
    apiVersion,
  );
}

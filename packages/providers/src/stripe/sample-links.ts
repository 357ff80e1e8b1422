// The ids one customer's Stripe events share: the subscription bills an invoice, a payment intent
// pays it through a charge. Related samples draw them from the run; unrelated ones make their own.
import type { SampleContext } from "../sample-relations.ts";
import { freshId, unixSeconds } from "../sample-ids.ts";

export interface StripeLinks {
  customer: string;
  email: string;
  subscription: string;
  subscriptionItem: string;
  price: string;
  product: string;
  invoice: string;
  invoicePayment: string;
  paymentIntent: string;
  charge: string;
  paymentMethod: string;
  /** Unix seconds: when the run's objects were made (its first sample's time). */
  created: number;
  /** Unix seconds: when this sample's event happened. */
  at: number;
  /** One price, in minor units, for every object of the run, so amounts agree. */
  amount: number;
  currency: string;
}

export function stripeLinks(context: SampleContext): StripeLinks {
  const id = (key: string, prefix: string, length?: number): string => context.shared(`stripe.${key}`, () => freshId(prefix, length));
  const at = unixSeconds(context.at);
  return {
    customer: id("customer", "cus_", 14),
    email: "jenny.rosen@example.com",
    subscription: id("subscription", "sub_"),
    subscriptionItem: id("subscription_item", "si_", 14),
    price: id("price", "price_"),
    product: id("product", "prod_", 14),
    invoice: id("invoice", "in_"),
    invoicePayment: id("invoice_payment", "inpay_"),
    paymentIntent: id("payment_intent", "pi_"),
    charge: id("charge", "ch_"),
    paymentMethod: id("payment_method", "pm_"),
    created: context.shared("stripe.created", () => at),
    at,
    amount: 2000,
    currency: "usd",
  };
}

/** A list as Stripe renders one inside an object. */
export const stripeList = (data: unknown[], url: string) => ({ object: "list", data, has_more: false, total_count: data.length, url });

/** A month after `seconds`, as a billing period ends. */
export const monthAfter = (seconds: number): number => seconds + 30 * 24 * 60 * 60;

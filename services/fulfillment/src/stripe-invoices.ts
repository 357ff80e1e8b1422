// How an invoice names the order (PaymentIntent) it was paid by, in each Stripe API version. Before
// 2025-03-31.basil the invoice carries its `payment_intent`. From basil on neither the invoice nor the
// PaymentIntent names the other: an InvoicePayment links them, in the invoice's includable `payments`
// (never in a webhook) and in its own event, invoice_payment.paid.
// https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices
// https://docs.stripe.com/api/invoice-payment/object
import { z } from "@hooklog/config";

const id = z.string().min(1);
const minorUnits = z.number().int().nullish();
const currency = z.string().min(1).nullish();

/** The first version whose invoices no longer name their PaymentIntent. */
const BASIL = "2025-03-31";

/** An InvoicePayment: `payment.payment_intent` when a PaymentIntent paid it, else a charge or payment record. */
export const invoicePaymentSchema = z.object({
  id,
  invoice: id,
  status: z.string().nullish(),
  payment: z.object({ type: z.string(), payment_intent: id.nullish() }),
  amount_paid: minorUnits,
  currency,
});

export const invoiceSchema = z.object({
  id,
  payment_intent: id.nullish(),
  payments: z.object({ data: z.array(invoicePaymentSchema) }).nullish(),
  amount_paid: minorUnits,
  currency,
});

/** Versions compare by their date; a versionless event is from an account older than basil. */
const isBasilOrLater = (apiVersion: string | null | undefined): boolean => (apiVersion ?? "").slice(0, BASIL.length) >= BASIL;

/**
 * The order a paid invoice names, or null when this payload cannot say: a basil invoice whose
 * payments were not included. Its invoice_payment.paid and payment_intent.succeeded name the order.
 */
export function orderOfInvoice(invoice: z.infer<typeof invoiceSchema>, apiVersion: string | null | undefined): string | null {
  if (invoice.payment_intent) return invoice.payment_intent;
  const paidByIntent = invoice.payments?.data.find((payment) => payment.status === "paid" && payment.payment.payment_intent);
  if (paidByIntent?.payment.payment_intent) return paidByIntent.payment.payment_intent;
  // Before basil a null payment_intent means paid without one (out of band): the invoice is the order.
  return isBasilOrLater(apiVersion) ? null : invoice.id;
}

/** The PaymentIntent that paid the invoice; an invoice paid otherwise (a payment record, a bare charge) is an order of its own. */
export const orderOfInvoicePayment = (payment: z.infer<typeof invoicePaymentSchema>): string => payment.payment.payment_intent ?? payment.invoice;

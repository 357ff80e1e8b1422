// Stripe-like event bodies of 1–2 KiB, varied the way real traffic varies: a few dozen types, a
// customer among many, amounts, free text. What the catalog parses, stores and indexes per event.
import { randomBytes } from "node:crypto";

const TYPES = [
  "invoice.paid",
  "invoice.payment_failed",
  "invoice.finalized",
  "charge.succeeded",
  "charge.refunded",
  "customer.subscription.updated",
  "customer.created",
  "payment_intent.succeeded",
] as const;

const WORDS = ["annual", "plan", "upgrade", "seats", "renewal", "europe", "priority", "support", "storage", "team", "enterprise", "trial"];

const pick = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;

/** Event `sequence` of a run: its provider event id and its JSON body. */
export function stripeEvent(runId: string, sequence: number): { providerEventId: string; type: string; customer: string; body: string } {
  const providerEventId = `evt_${runId}_${sequence}_${randomBytes(4).toString("hex")}`;
  const type = pick(TYPES, sequence);
  const customer = `cus_${String(sequence % 50_000).padStart(6, "0")}`;
  const amount = 500 + ((sequence * 7919) % 250_000);
  const lines = Array.from({ length: 1 + (sequence % 3) }, (_, line) => ({
    id: `il_${randomBytes(6).toString("hex")}`,
    object: "line_item",
    amount: Math.floor(amount / (line + 1)),
    currency: "eur",
    description: `${pick(WORDS, sequence + line)} ${pick(WORDS, sequence * 3 + line)} × ${1 + line}`,
    period: { start: 1_765_000_000 + sequence, end: 1_767_600_000 + sequence },
    price: { id: `price_${pick(WORDS, line)}_${sequence % 40}`, product: `prod_${sequence % 120}`, unit_amount: amount, recurring: { interval: "month" } },
  }));
  const body = JSON.stringify({
    id: providerEventId,
    object: "event",
    api_version: "2024-06-20",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_${randomBytes(7).toString("hex")}`, idempotency_key: randomBytes(16).toString("hex") },
    type,
    data: {
      object: {
        id: `in_${randomBytes(12).toString("hex")}`,
        object: type.split(".")[0],
        customer,
        customer_email: `${customer}@example.com`,
        amount_due: amount,
        amount_paid: type === "invoice.payment_failed" ? 0 : amount,
        currency: "eur",
        status: type === "invoice.payment_failed" ? "open" : "paid",
        description: `${pick(WORDS, sequence)} ${pick(WORDS, sequence * 5)} ${pick(WORDS, sequence * 11)}`,
        billing_reason: "subscription_cycle",
        subscription: `sub_${randomBytes(8).toString("hex")}`,
        metadata: { account: `acct_${sequence % 900}`, region: pick(["eu-west", "us-east", "ap-south"], sequence) },
        lines: { object: "list", data: lines, has_more: false },
      },
    },
  });
  return { providerEventId, type, customer, body };
}

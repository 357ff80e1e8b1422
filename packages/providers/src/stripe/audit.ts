import type { AuditRule } from "../audit-headers.ts";

/**
 * None: Stripe's webhook headers say nothing about the event its body does not (the signature is
 * never kept, and the user agent is Stripe's constant one), and the Events API, reconciliation's
 * path, has no delivery headers at all; keeping any would make the two copies of an event differ.
 */
export const stripeAuditRule: AuditRule = { names: [] };

// Reconciliation lists events through the Events API (https://docs.stripe.com/api/events/list); each
// becomes the envelope its webhook would have been.
import type { FetchedEvent } from "../provider.ts";
import { stripeEventFacts } from "./facts.ts";

/** The event object as the API returned it, or undefined when it is not an event. */
export function eventFromStripeApi(event: unknown): FetchedEvent | undefined {
  const facts = stripeEventFacts(event);
  if (!facts.ok) return undefined;
  // The SDK's response metadata (lastResponse) is not enumerable, so this is the event alone.
  return { ...facts.facts, payload: Buffer.from(JSON.stringify(event), "utf8"), contentType: "application/json", headers: {} };
}

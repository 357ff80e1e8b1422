// A Stripe event is the same object in a webhook body and in the Events API, so both paths read
// its facts here: https://docs.stripe.com/api/events/object
import { isObject } from "@hooklog/core";
import { integer, text } from "../json.ts";
import type { FactsResult } from "../provider.ts";

/** Id and type of the event; `created` as the provider timestamp; the object it is about as the partition key. */
export function stripeEventFacts(event: unknown): FactsResult {
  const id = isObject(event) ? text(event.id) : undefined;
  const type = isObject(event) ? text(event.type) : undefined;
  if (!isObject(event) || !id || !type) return { ok: false, message: "Stripe event body must be a JSON object with string id and type" };
  const data = isObject(event.data) ? event.data : undefined;
  const object = isObject(data?.object) ? data.object : undefined;
  const created = integer(event.created);
  return {
    ok: true,
    facts: { providerEventId: id, type, providerTimestamp: created === undefined ? null : created * 1000, partitionKey: text(object?.id) ?? id },
  };
}

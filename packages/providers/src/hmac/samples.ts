// There is no documented shape for a generic sender; these follow the common one (id, type, time,
// data). Senders name their own types, so any type has a sample: a generic one for types without
// their own. The event id is fresh every time; the entities' ids are the run's when related.
import type { JsonObject } from "../json.ts";
import { sampleContext, type SampleRelations } from "../sample-relations.ts";
import { freshId } from "../sample-ids.ts";

type Shared = (entity: string) => string;

interface Sample {
  description: string;
  data: (shared: Shared) => JsonObject;
}

export const hmacSamples: Readonly<Record<string, Sample>> = {
  "order.created": { description: "an order with its total", data: (shared) => ({ order_id: shared("order"), total_cents: 2599, currency: "USD" }) },
  "shipment.delivered": {
    description: "the order's shipment delivered",
    data: (shared) => ({ shipment_id: shared("shipment"), order_id: shared("order"), carrier: "ups" }),
  },
};

/** The entity a type is about: its first segment (order of order.created). */
const entityOf = (type: string): string => type.split(".")[0] || type;

const own = (type: string): Sample | undefined => (Object.hasOwn(hmacSamples, type) ? hmacSamples[type] : undefined);

export const hmacSampleDescription = (type: string): string => own(type)?.description ?? `a generic ${type} event: data holds the ${entityOf(type)}'s id`;

export function hmacSamplePayload(type: string, related: SampleRelations | undefined, now: Date): JsonObject {
  const context = sampleContext(related, now);
  const shared: Shared = (entity) => context.shared(`hmac.${entity}`, () => freshId(`${entity.slice(0, 3)}_`, 12));
  const entity = entityOf(type);
  const data = own(type)?.data(shared) ?? { id: shared(entity), type: entity };
  // The id is the event's own, fresh even in a related run: hmacFacts reads it as the provider event id.
  return { id: freshId("evt_", 20), type, created_at: context.at.toISOString(), data };
}

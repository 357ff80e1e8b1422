// Payloads of the shape the specification shows (`type`, `timestamp`, `data`):
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure
// Senders name their own types, so any type has a sample: a generic one for types without their own.
// The entity's id (data.id, the partition key) is the run's for every type about the same entity.
import type { JsonObject } from "../json.ts";
import { sampleContext, type SampleContext, type SampleRelations } from "../sample-relations.ts";
import { freshUuid } from "../sample-ids.ts";

interface Sample {
  description: string;
  data: (entityId: string) => JsonObject;
}

export const standardWebhooksSamples: Readonly<Record<string, Sample>> = {
  "contact.created": { description: "a contact with an email address", data: (id) => ({ id, type: "contact", email: "jenny.rosen@example.com" }) },
  "invoice.paid": { description: "an invoice paid, with amount and currency", data: (id) => ({ id, type: "invoice", amount: 4200, currency: "EUR" }) },
  "user.deleted": { description: "a user deleted", data: (id) => ({ id, type: "user" }) },
};

/** The entity a type is about: its first segment (invoice of invoice.paid). */
const entityOf = (type: string): string => type.split(".")[0] || type;

const own = (type: string): Sample | undefined => (Object.hasOwn(standardWebhooksSamples, type) ? standardWebhooksSamples[type] : undefined);

export const standardWebhooksSampleDescription = (type: string): string =>
  own(type)?.description ?? `a generic ${type} event: data holds the ${entityOf(type)}'s id`;

export function standardWebhooksSamplePayload(type: string, related: SampleRelations | undefined, now: Date): JsonObject {
  const context: SampleContext = sampleContext(related, now);
  const entity = entityOf(type);
  const id = context.shared(`standard-webhooks.${entity}`, freshUuid);
  const data = own(type)?.data(id) ?? { id, type: entity };
  return { type, timestamp: context.at.toISOString(), data };
}

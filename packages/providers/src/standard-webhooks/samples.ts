// Payloads of the shape the specification shows (`type`, `timestamp`, `data`), with fresh ids:
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure
import type { Json } from "../json.ts";
import { freshUuid } from "../sample-ids.ts";

type Sample = () => Json;

export const standardWebhooksSamples: Readonly<Record<string, Sample>> = {
  "contact.created": () => ({ id: freshUuid(), type: "contact", email: "jenny.rosen@example.com" }),
  "invoice.paid": () => ({ id: freshUuid(), type: "invoice", amount: 4200, currency: "EUR" }),
  "user.deleted": () => ({ id: freshUuid(), type: "user" }),
};

export function standardWebhooksSamplePayload(type: string, now: Date): Json {
  const data = standardWebhooksSamples[type];
  if (!data) throw new RangeError(`no Standard Webhooks sample of type ${type} (samples: ${Object.keys(standardWebhooksSamples).join(", ")})`);
  return { type, timestamp: now.toISOString(), data: data() };
}

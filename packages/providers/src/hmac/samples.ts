// There is no documented shape for a generic sender; these follow the common one (id, type, time, data).
import type { Json } from "../json.ts";
import { freshId } from "../sample-ids.ts";

type Sample = () => Json;

export const hmacSamples: Readonly<Record<string, Sample>> = {
  "order.created": () => ({ order_id: freshId("ord_", 12), total_cents: 2599, currency: "USD" }),
  "shipment.delivered": () => ({ shipment_id: freshId("shp_", 12), carrier: "ups" }),
};

export function hmacSamplePayload(type: string, now: Date): Json {
  const data = hmacSamples[type];
  if (!data) throw new RangeError(`no hmac sample of type ${type} (samples: ${Object.keys(hmacSamples).join(", ")})`);
  return { id: freshId("evt_", 20), type, created_at: now.toISOString(), data: data() };
}

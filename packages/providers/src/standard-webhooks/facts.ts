// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#webhook-metadata
import { isObject } from "@hooklog/core";
import { parseJsonObject, secondsHeaderMs, text } from "../json.ts";
import type { Delivery, FactsResult } from "../provider.ts";

/** Id and timestamp from the signed webhook-id / webhook-timestamp (or svix-) headers; type and entity from the body. */
export function standardWebhooksFacts({ rawBody, headers }: Delivery): FactsResult {
  const id = text(headers["webhook-id"]) ?? text(headers["svix-id"]);
  const payload = parseJsonObject(rawBody);
  const type = text(payload?.type);
  if (!id || !payload || !type) return { ok: false, message: "Standard Webhooks payload must be a JSON object with a string type" };
  const data = isObject(payload.data) ? payload.data : undefined;
  const providerTimestamp = secondsHeaderMs(headers["webhook-timestamp"] ?? headers["svix-timestamp"]);
  return { ok: true, facts: { providerEventId: id, type, providerTimestamp, partitionKey: text(data?.id) ?? id } };
}

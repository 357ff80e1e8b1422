import { createHash } from "node:crypto";
import { parseJsonObject, secondsHeaderMs, text } from "../json.ts";
import type { Delivery, FactsResult, SourceSettings } from "../provider.ts";
import { hmacOptions } from "./options.ts";

/** Senders vary: id from the body's `id` or an id header, else the body's digest; type from `type` or `event`. */
export function hmacFacts({ rawBody, headers }: Delivery, settings: SourceSettings): FactsResult {
  const payload = parseJsonObject(rawBody);
  const id =
    text(payload?.id) ?? text(headers["x-webhook-id"]) ?? text(headers["x-request-id"]) ?? `sha256:${createHash("sha256").update(rawBody).digest("hex")}`;
  const type = text(payload?.type) ?? text(payload?.event) ?? "webhook";
  const timestampHeader = hmacOptions.of(settings)?.timestampHeader;
  const providerTimestamp = timestampHeader ? secondsHeaderMs(headers[timestampHeader]) : null;
  return { ok: true, facts: { providerEventId: id, type, providerTimestamp, partitionKey: id } };
}

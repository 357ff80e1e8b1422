import { parseJsonObject, secondsHeaderMs, text } from "../json.ts";
import type { Delivery, FactsResult, SourceSettings } from "../provider.ts";
import { signedContentDigest } from "../signing/digest.ts";
import { hmacOptions } from "./options.ts";
import { signedParts } from "./signature.ts";

/**
 * Senders vary: id from the body's `id` or an id header, else the body's digest; type from `type` or
 * `event`. An id from a header is not signed, so the signed content's digest comes with it.
 */
export function hmacFacts({ rawBody, headers }: Delivery, settings: SourceSettings): FactsResult {
  const payload = parseJsonObject(rawBody);
  const type = text(payload?.type) ?? text(payload?.event) ?? "webhook";
  const timestampHeader = hmacOptions.of(settings)?.timestampHeader;
  const providerTimestamp = timestampHeader ? secondsHeaderMs(headers[timestampHeader]) : null;
  const signedId = text(payload?.id);
  if (signedId !== undefined) return { ok: true, facts: { providerEventId: signedId, type, providerTimestamp, partitionKey: signedId } };
  const headerId = text(headers["x-webhook-id"]) ?? text(headers["x-request-id"]);
  if (headerId === undefined) {
    const id = `sha256:${signedContentDigest([rawBody])}`;
    return { ok: true, facts: { providerEventId: id, type, providerTimestamp, partitionKey: id } };
  }
  const timestamp = timestampHeader === undefined ? undefined : headers[timestampHeader];
  const replayDigest = signedContentDigest(signedParts(rawBody, timestamp));
  return { ok: true, facts: { providerEventId: headerId, type, providerTimestamp, partitionKey: headerId, replayDigest } };
}

import type { WebhookEvent } from "@hooklog/schemas";

/** An envelope's fields as the CLI prints them in JSON (tail, events show): times as ISO strings, the payload apart. */
export function envelopeJson(event: WebhookEvent) {
  return {
    id: event.id,
    source: event.source,
    provider: event.provider,
    providerEventId: event.providerEventId,
    type: event.type,
    origin: event.origin,
    receivedAt: new Date(event.receivedAt).toISOString(),
    providerTimestamp: event.providerTimestamp === null ? null : new Date(event.providerTimestamp).toISOString(),
    contentType: event.contentType,
    verification: { scheme: event.verification.scheme, secretIndex: event.verification.secretIndex },
    headers: { ...event.headers },
  };
}

import type { WebhookEvent } from "@hooklog/schemas";
import { HEADER_VALUE, type Destination, type Route } from "./config.ts";
import { MappingError, type EnvelopeFields } from "./mapping.ts";
import { standardWebhooksHeaders } from "./signing.ts";

/** One event as a route sees it: the envelope's fields, the payload as sent and as parsed. */
export interface RoutedEvent {
  envelope: EnvelopeFields;
  contentType: string;
  payloadBytes: Buffer;
  payload: unknown;
}

/** What a destination is sent for one event: an HTTP POST (url, slack) or a mail. */
export type RenderedDelivery =
  | {
      kind: "http";
      destination: string;
      url: string;
      /** The URL as it may be shown and recorded: a Slack webhook URL is a secret, so only its origin. */
      shownUrl: string;
      headers: Record<string, string>;
      /** Headers whose values are secrets: shown and recorded without their value. */
      secretHeaderNames: readonly string[];
      /** A 3xx answer is a delivery (an Apps Script web app), rather than a failure. */
      redirectIsDelivery: boolean;
      body: Buffer;
      timeoutMs: number;
    }
  | { kind: "email"; destination: string; from: string; to: string; subject: string; text: string };

/** Whether the route takes the event: its sources, its types, then its filter on the envelope and on the payload. */
export function routeTakes(route: Route, event: RoutedEvent): boolean {
  const { envelope } = event;
  if (!route.sources.includes(envelope.source)) return false;
  if (route.types !== undefined && !route.types.includes(envelope.type)) return false;
  return route.envelopeFilter.matches(envelope) && route.payloadFilter.matches(event.payload);
}

/** The one-line summary a destination gets without a mapping. */
const summaryOf = ({ envelope }: RoutedEvent): string => `${envelope.source} ${envelope.type} ${envelope.providerEventId}`;

/** A logged event as a route sees it, its payload parsed by the caller (the kit's `payload()`, or parseWebhookPayload). */
export function routedEventOf(event: WebhookEvent, payload: unknown): RoutedEvent {
  const { id, source, type, providerEventId, origin, receivedAt } = event;
  return { envelope: { id, source, type, providerEventId, origin, receivedAt }, contentType: event.contentType, payloadBytes: event.payload, payload };
}

/** What `destination` of `route` is sent for `event`; a MappingError when a mapping yields nothing for it. */
export async function renderDelivery(route: Route, destination: Destination, event: RoutedEvent, now: Date = new Date()): Promise<RenderedDelivery> {
  const { payload, envelope } = event;
  switch (destination.kind) {
    case "url": {
      const headers: Record<string, string> = {};
      for (const [name, mapping] of destination.headers) {
        const value = await mapping.text(payload, envelope);
        // fetch refuses such a value; said here, it dead-letters this event instead of failing every attempt (the value is not echoed).
        if (!HEADER_VALUE.test(value))
          throw new MappingError(`${mapping.field}: the value is not a valid header value (line breaks, or characters outside Latin-1)`);
        headers[name.toLowerCase()] = value;
      }
      let body: Buffer;
      if (destination.body === undefined) {
        // Without a mapping the receiver gets the event byte for byte, as the provider sent it.
        body = event.payloadBytes;
        headers["content-type"] = event.contentType;
      } else {
        const value = await destination.body.evaluate(payload, envelope);
        if (destination.format === "form") {
          body = Buffer.from(formEncoded(destination.body.field, value));
          headers["content-type"] = "application/x-www-form-urlencoded";
        } else {
          const json = JSON.stringify(value) as string | undefined;
          if (json === undefined)
            throw new MappingError(`${destination.body.field}: ${JSON.stringify(destination.body.expression)} gave a function, not a value`);
          body = Buffer.from(json);
          headers["content-type"] = "application/json";
        }
      }
      // Stable per route and event, so a receiver deduplicates a delivery made again.
      const messageId = `msg_${route.name}_${destination.name}_${envelope.id}`;
      if (destination.secrets.length > 0) Object.assign(headers, standardWebhooksHeaders(messageId, body, destination.secrets, now));
      else headers["webhook-id"] = messageId;
      Object.assign(headers, destination.secretHeaders);
      return {
        kind: "http",
        destination: destination.name,
        url: destination.url,
        shownUrl: withoutCredentials(destination.url),
        headers,
        secretHeaderNames: Object.keys(destination.secretHeaders),
        redirectIsDelivery: destination.redirects === "delivered",
        body,
        timeoutMs: destination.timeoutMs,
      };
    }
    case "slack": {
      const text = destination.text === undefined ? summaryOf(event) : await destination.text.text(payload, envelope);
      return {
        kind: "http",
        destination: destination.name,
        url: destination.webhookUrl,
        shownUrl: `${new URL(destination.webhookUrl).origin}/…`,
        headers: { "content-type": "application/json" },
        secretHeaderNames: [],
        redirectIsDelivery: false,
        body: Buffer.from(JSON.stringify({ text })),
        timeoutMs: destination.timeoutMs,
      };
    }
    case "email": {
      const to = await destination.to.evaluate(payload, envelope);
      const recipients = Array.isArray(to) ? to : [to];
      if (recipients.length === 0 || recipients.some((recipient) => typeof recipient !== "string"))
        throw new MappingError(
          `${destination.to.field}: ${JSON.stringify(destination.to.expression)} gave ${JSON.stringify(to)}, not an address or a list of addresses`,
        );
      return {
        kind: "email",
        destination: destination.name,
        from: destination.from,
        to: recipients.join(", "),
        subject: destination.subject === undefined ? summaryOf(event) : await destination.subject.text(payload, envelope),
        text: destination.text === undefined ? JSON.stringify(payload, null, 2) : await destination.text.text(payload, envelope),
      };
    }
  }
}

/** A URL as it may be shown: user and password (https://user:token@host/) left out. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.toString();
}

/** Every destination's delivery of `event` for a route that takes it; a destination whose mapping fails gets its MappingError instead. */
export async function renderDeliveries(route: Route, event: RoutedEvent, now?: Date): Promise<Array<RenderedDelivery | MappingError>> {
  return Promise.all(
    route.destinations.map((destination) =>
      renderDelivery(route, destination, event, now).catch((error: unknown) => {
        if (error instanceof MappingError) return error;
        throw error;
      }),
    ),
  );
}

/** A form body from an object of scalar fields (Twilio's Messages API, say). */
function formEncoded(field: string, value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new MappingError(`${field}: a form body needs an object of fields, got ${Array.isArray(value) ? "an array" : typeof value}`);
  const form = new URLSearchParams();
  for (const [name, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined || fieldValue === null) continue;
    if (typeof fieldValue === "object") throw new MappingError(`${field}: form field ${name} is an object; a form takes text, numbers and booleans`);
    form.append(name, String(fieldValue));
  }
  return form.toString();
}

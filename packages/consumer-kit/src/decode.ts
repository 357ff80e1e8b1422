import { KafkaUnavailableError, type SchemaRegistryClient } from "@hooklog/kafka";
import { latestSchema, type WebhookEvent } from "@hooklog/schemas";
import type { EventAt, InboundEvent } from "./definition.ts";
import { ConsumerKitError } from "./errors.ts";
import { parseWebhookPayload } from "./payload.ts";
import { RegistryUnavailableError } from "./registry-outage.ts";
import { WEBHOOK_EVENT_RECORD } from "./topology.ts";
import { within } from "./within.ts";

/** Bytes that can never become an event (no subscription, no value, not a schema's Avro): dead-lettered at once. */
export class UndecodableMessageError extends ConsumerKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UNDECODABLE_MESSAGE", message, false, options);
  }
}

/** The registry client sets no timeout of its own: a registry that takes the connection and never answers must not hold a batch for ever. */
const REGISTRY_TIMEOUT_MS = 10_000;

/**
 * Decodes a message of a subscribed topic into what handlers see. The writer's schema comes from the
 * registry by the id in the message; the reader's is the newest local version of the record, so a
 * consumer reads older and newer versions alike (BACKWARD compatibility makes that safe).
 * Throws UndecodableMessageError for bytes that can never decode, RegistryUnavailableError when the
 * registry could not be asked (the same bytes decode later).
 */
export function createDecoder(registry: SchemaRegistryClient, subscriptions: ReadonlyArray<{ topic: string; record?: string | undefined }>) {
  const records = new Map(subscriptions.map((subscription) => [subscription.topic, subscription.record ?? WEBHOOK_EVENT_RECORD]));
  const readers = new Map<string, object>();
  const reader = (record: string): object => {
    let schema = readers.get(record);
    if (!schema) {
      schema = JSON.parse(latestSchema(record).schema) as object;
      readers.set(record, schema);
    }
    return schema;
  };

  return async function decode(topic: string, value: Buffer | null, at: EventAt): Promise<InboundEvent> {
    const record = records.get(topic);
    if (!record) throw new UndecodableMessageError(`no subscription declares topic ${topic}`);
    if (!value) throw new UndecodableMessageError(`a message on ${topic} has no value`);
    let decoded: unknown;
    try {
      decoded = await within(
        registry.decode(value, { readerSchema: reader(record) }),
        REGISTRY_TIMEOUT_MS,
        () => new RegistryUnavailableError(`the schema registry did not answer within ${REGISTRY_TIMEOUT_MS} ms for a message on ${topic}`),
      );
    } catch (error) {
      if (error instanceof RegistryUnavailableError) throw error;
      // The registry client says when the registry, not the message, was the problem.
      if (error instanceof KafkaUnavailableError && error.code === "REGISTRY_UNAVAILABLE") {
        throw new RegistryUnavailableError(`the schema registry could not resolve the schema of a message on ${topic}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      throw new UndecodableMessageError(`cannot decode a message on ${topic} as ${record}: ${(error as Error).message}`, { cause: error });
    }
    if (record === WEBHOOK_EVENT_RECORD) {
      const event = decoded as WebhookEvent;
      return {
        kind: "webhook",
        topic,
        type: event.type,
        key: `${event.source}:${event.providerEventId}`,
        event,
        payload: () => parseWebhookPayload(event.contentType, event.payload),
        ...at,
      };
    }
    const event = decoded as Record<string, unknown>;
    if (typeof event.eventId !== "string") throw new UndecodableMessageError(`${record} on ${topic} has no string eventId`);
    return { kind: "domain", topic, type: record, key: `${record}:${event.eventId}`, event, ...at };
  };
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}/;

/** The trace id of a W3C `traceparent` header value; undefined for none or a malformed one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const traceId = traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent.trim())?.[1];
  return traceId === undefined || /^0+$/.test(traceId) ? undefined : traceId;
}

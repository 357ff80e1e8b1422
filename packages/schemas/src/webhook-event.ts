import type { RecordCodec, SchemaRegistryClient } from "@hooklog/kafka";
import { createRecordCodec, valueSubject } from "@hooklog/kafka";
import { latestSchema } from "./catalog.ts";

export const WEBHOOK_EVENT = "hooklog.WebhookEvent";

/**
 * The `provider:` of the event's source: a name in packages/providers' registry when it was written.
 * A string, as in the Avro schema: an event outlives the provider modules of the code that reads it.
 */
export type WebhookProvider = string;
export type EventOrigin = "webhook" | "reconciliation" | "replay";

/** The envelope of schemas/hooklog.WebhookEvent.v1.avsc, as TypeScript sees it. */
export interface WebhookEvent {
  id: string;
  source: string;
  provider: WebhookProvider;
  providerEventId: string;
  type: string;
  /** Epoch milliseconds. */
  providerTimestamp: number | null;
  /** Epoch milliseconds. */
  receivedAt: number;
  origin: EventOrigin;
  verification: { scheme: string; secretIndex: number | null };
  contentType: string;
  headers: Record<string, string>;
  payload: Buffer;
}

/** The codec for envelopes on `topic`, registering the newest envelope schema under `<topic>-value`. */
export function webhookEventCodec(client: SchemaRegistryClient, topic: string): Promise<RecordCodec<WebhookEvent>> {
  const { schema } = latestSchema(WEBHOOK_EVENT);
  return createRecordCodec<WebhookEvent>(client, valueSubject(topic), schema, { readerSchema: schema });
}

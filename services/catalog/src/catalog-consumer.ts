// The catalog's consumer: every event of every source topic and every delivery, one upserted row
// each, written in the kit's transaction so a row commits with its processed mark or not at all.
import { ANY_TYPE, defineConsumer, type ConsumerDefinition, type DomainInbound, type HandlerContext, type WebhookInbound } from "@hooklog/consumer-kit";
import { storedPayload } from "./payload-forms.ts";
import { searchText } from "./search-text.ts";

export const DELIVERY_RECORD = "hooklog.Delivery";

export interface CatalogSettings {
  consumerName: string;
  /** Every source's topic (loadSources()). */
  sourceTopics: readonly string[];
  /** The topic of hooklog.Delivery records. */
  deliveriesTopic: string;
  /** An event received longer ago than this is cataloged without its payload, as the prune would leave it. */
  payloadRetentionMs: number;
  retryBaseDelayMs?: number;
  /** The clock retention is measured by; injected by tests. */
  now?: () => number;
}

/** hooklog.Delivery v1 as the kit decodes it (schemas/hooklog.Delivery.v1.avsc); timestamps as epoch milliseconds. */
export interface DeliveryRecord {
  eventId: string;
  receivedAt: number | Date;
  source: string;
  requestId: string;
  client: string;
  outcome: "accepted" | "duplicate" | "ignored" | "rejected" | "unavailable";
  status: number;
  reason: string | null;
  bodyBytes: number;
  verificationScheme: string | null;
  secretIndex: number | null;
  verificationFailure: string | null;
  hubEventId: string | null;
  providerEventId: string | null;
  eventType: string | null;
  headers: Record<string, string>;
}

/** Postgres text cannot hold NUL; a message key or a provider's id is not checked for it upstream. */
const pgText = <T extends string | null | undefined>(text: T): T => (typeof text === "string" ? (text.replaceAll("\u0000", "") as T) : text);

export async function catalogEvent(inbound: WebhookInbound, ctx: HandlerContext, settings: Pick<CatalogSettings, "payloadRetentionMs" | "now">): Promise<void> {
  const { event, position } = inbound;
  const stored = storedPayload(inbound);
  const now = (settings.now ?? Date.now)();
  const expired = event.receivedAt < now - settings.payloadRetentionMs;
  const search = searchText(
    // The type also as words: the parser reads "charge.refunded" as one host-name token.
    [
      event.type,
      event.type.replaceAll(/[._]/g, " "),
      event.id,
      event.providerEventId,
      event.source,
      inbound.messageKey,
      stored.form === "text" ? stored.text : undefined,
    ],
    stored.form === "json" ? stored.value : undefined,
  );
  // One statement: the upsert makes a second reading of the same message (a rebuild without truncating) a no-op rewrite.
  await ctx
    .trx("catalog_events")
    .insert({
      event_id: event.id,
      source: event.source,
      provider: event.provider,
      provider_event_id: pgText(event.providerEventId),
      type: pgText(event.type),
      origin: event.origin,
      received_at: new Date(event.receivedAt),
      provider_timestamp: event.providerTimestamp === null ? null : new Date(event.providerTimestamp),
      verification_scheme: event.verification.scheme,
      secret_index: event.verification.secretIndex,
      content_type: event.contentType,
      headers: JSON.stringify(event.headers),
      topic: position.topic,
      partition: position.partition,
      offset: position.offset,
      partition_key: pgText(inbound.messageKey) ?? null,
      trace_id: inbound.traceId ?? null,
      payload: !expired && stored.form === "json" ? stored.json : null,
      payload_text: !expired && stored.form === "text" ? stored.text : null,
      payload_base64: !expired && stored.form === "base64" ? stored.base64 : null,
      payload_bytes: event.payload.length,
      payload_pruned_at: expired ? new Date(now) : null,
      search: ctx.trx.raw("to_tsvector('simple', ?)", [search]),
    })
    .onConflict("event_id")
    .merge();
}

export async function catalogDelivery(inbound: DomainInbound, ctx: HandlerContext): Promise<void> {
  // The kit decoded the bytes against hooklog.Delivery's newest schema: the fields are there and typed.
  const delivery = inbound.event as unknown as DeliveryRecord;
  await ctx
    .trx("catalog_deliveries")
    .insert({
      delivery_id: delivery.eventId,
      received_at: new Date(delivery.receivedAt),
      source: delivery.source,
      request_id: pgText(delivery.requestId),
      client: delivery.client,
      outcome: delivery.outcome,
      status: delivery.status,
      reason: delivery.reason,
      body_bytes: delivery.bodyBytes,
      verification_scheme: delivery.verificationScheme,
      secret_index: delivery.secretIndex,
      verification_failure: delivery.verificationFailure,
      hub_event_id: delivery.hubEventId,
      provider_event_id: pgText(delivery.providerEventId),
      event_type: pgText(delivery.eventType),
      headers: JSON.stringify(delivery.headers),
    })
    .onConflict("delivery_id")
    .merge();
}

export function catalogConsumer(settings: CatalogSettings): ConsumerDefinition {
  return defineConsumer({
    name: settings.consumerName,
    subscriptions: [
      ...settings.sourceTopics.map((topic) => ({
        topic,
        on: { [ANY_TYPE]: (inbound: WebhookInbound, ctx: HandlerContext) => catalogEvent(inbound, ctx, settings) },
      })),
      { topic: settings.deliveriesTopic, record: DELIVERY_RECORD, on: catalogDelivery },
    ],
    // A projection: an event that failed holds nothing back, each row stands alone.
    ordering: "none",
    // Every delivery and event is one row here already: a state and an attempt row besides each, never
    // read, would triple the writes under a flood. Failures are still recorded for the console.
    recordStates: "failures",
    ...(settings.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: settings.retryBaseDelayMs }),
  });
}

// The catalog's consumer: every event of every source topic and every delivery, one upserted row
// each, written in the kit's transaction so a row commits with its processed mark or not at all.
import { DELIVERY, type Delivery } from "@hooklog/schemas";
import {
  ANY_TYPE,
  defineConsumer,
  type BatchContext,
  type ConsumerDefinition,
  type DomainInbound,
  type HandlerContext,
  type InboundEvent,
  type WebhookInbound,
} from "@hooklog/consumer-kit";
import { inStatements, type Knex } from "@hooklog/db";
import { storedPayload } from "./payload-forms.ts";
import { searchText } from "./search-text.ts";

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

/** Postgres text cannot hold NUL; a message key or a provider's id is not checked for it upstream. */
const pgText = <T extends string | null | undefined>(text: T): T => (typeof text === "string" ? (text.replaceAll("\u0000", "") as T) : text);

type RetentionSettings = Pick<CatalogSettings, "payloadRetentionMs" | "now">;

/** An event's catalog_events row, its search vector built by the statement that writes it. */
function eventRow(inbound: WebhookInbound, trx: Knex.Transaction, settings: RetentionSettings, now: number): Record<string, unknown> {
  const { event, position } = inbound;
  const stored = storedPayload(inbound);
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
  return {
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
    search: trx.raw("to_tsvector('simple', ?)", [search]),
  };
}

export async function catalogEvent(inbound: WebhookInbound, ctx: HandlerContext, settings: RetentionSettings): Promise<void> {
  // One statement: the upsert makes a second reading of the same message (a rebuild without truncating) a no-op rewrite.
  await ctx
    .trx("catalog_events")
    .insert(eventRow(inbound, ctx.trx, settings, (settings.now ?? Date.now)()))
    .onConflict("event_id")
    .merge();
}

function deliveryRow(inbound: DomainInbound): Record<string, unknown> {
  // The kit decoded the bytes against hooklog.Delivery's newest schema: the fields are there and typed.
  const delivery = inbound.event as unknown as Delivery;
  return {
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
  };
}

export async function catalogDelivery(inbound: DomainInbound, ctx: HandlerContext): Promise<void> {
  await ctx.trx("catalog_deliveries").insert(deliveryRow(inbound)).onConflict("delivery_id").merge();
}

/**
 * Upserts rows in multi-row statements, the last of a conflict key winning: one statement cannot
 * update a row twice, and one event read twice (a rebuild without truncating) is the same row anyway.
 */
async function upsertRows(trx: Knex.Transaction, table: string, conflictKey: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const unique = [...new Map(rows.map((row) => [row[conflictKey], row])).values()];
  await inStatements(unique, async (chunk) => {
    await trx(table).insert(chunk).onConflict(conflictKey).merge();
  });
}

/** A batch's events and deliveries, as catalogEvent and catalogDelivery write them, in one upsert per table. */
export async function catalogBatch(events: readonly InboundEvent[], ctx: BatchContext, settings: RetentionSettings): Promise<void> {
  const now = (settings.now ?? Date.now)();
  const eventRows: Array<Record<string, unknown>> = [];
  const deliveryRows: Array<Record<string, unknown>> = [];
  for (const inbound of events) {
    if (inbound.kind === "webhook") eventRows.push(eventRow(inbound, ctx.trx, settings, now));
    else if (inbound.type === DELIVERY) deliveryRows.push(deliveryRow(inbound));
  }
  if (eventRows.length > 0) await upsertRows(ctx.trx, "catalog_events", "event_id", eventRows);
  if (deliveryRows.length > 0) await upsertRows(ctx.trx, "catalog_deliveries", "delivery_id", deliveryRows);
}

export function catalogConsumer(settings: CatalogSettings): ConsumerDefinition {
  return defineConsumer({
    name: settings.consumerName,
    subscriptions: [
      ...settings.sourceTopics.map((topic) => ({
        topic,
        on: { [ANY_TYPE]: (inbound: WebhookInbound, ctx: HandlerContext) => catalogEvent(inbound, ctx, settings) },
      })),
      { topic: settings.deliveriesTopic, record: DELIVERY, on: catalogDelivery },
    ],
    // A projection: an event that failed holds nothing back, each row stands alone.
    ordering: "none",
    // A batch in a few multi-row upserts keeps up with ingest, where a savepoint and a row per event
    // does not; the `on` handlers above write the same rows when the kit falls back to them.
    applyBatch: (events, ctx) => catalogBatch(events, ctx, settings),
    // Every delivery and event is one row here already: a state and an attempt row besides each, never
    // read, would triple the writes under a flood. Failures are still recorded for the console.
    recordStates: "failures",
    ...(settings.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: settings.retryBaseDelayMs }),
  });
}

// The console's reads of catalog_deliveries: what came in, how ingest answered, and counts over time.
import type { Knex } from "@hooklog/db";
import { CatalogQueryError, pageLimit } from "./query-errors.ts";
import type { CatalogDelivery, DeliveryOutcome, Page } from "./rows.ts";

export interface DeliveryFilter {
  source?: readonly string[];
  outcome?: readonly DeliveryOutcome[];
  /** Error codes of rejected or unavailable answers (signature_mismatch, kafka_unavailable, ...). */
  reason?: readonly string[];
  /** Received at or after. */
  from?: Date;
  /** Received before. */
  to?: Date;
  hubEventId?: string;
  providerEventId?: string;
  requestId?: string;
  client?: string;
}

/** Where the previous page ended: its last delivery's receivedAt and deliveryId. */
export interface DeliveryCursor {
  receivedAt: Date;
  deliveryId: string;
}

export interface DeliveryPageRequest {
  before?: DeliveryCursor;
  /** 1 to 500; default 50. */
  limit?: number;
}

/** Counts per time bucket: `since` (inclusive) to now, in buckets of `bucketMinutes` aligned to the epoch. */
export interface CountWindow {
  since: Date;
  bucketMinutes: number;
}

export interface RejectionCount {
  /** The bucket's start. */
  bucket: Date;
  source: string;
  reason: string | null;
  count: number;
}

export interface DeliveryCount {
  bucket: Date;
  source: string;
  outcome: DeliveryOutcome;
  count: number;
}

export interface SecretUsage {
  /** Which of the source's secrets verified the deliveries (0 = first). */
  secretIndex: number;
  deliveries: number;
  /** Of the source's verified deliveries in the window, 0 to 1. */
  share: number;
}

interface DeliveryRow {
  delivery_id: string;
  received_at: Date;
  source: string;
  request_id: string;
  client: string;
  outcome: DeliveryOutcome;
  status: number;
  reason: string | null;
  body_bytes: string;
  verification_scheme: string | null;
  secret_index: number | null;
  verification_failure: string | null;
  hub_event_id: string | null;
  provider_event_id: string | null;
  event_type: string | null;
  headers: Record<string, string>;
}

const COLUMNS = [
  "delivery_id",
  "received_at",
  "source",
  "request_id",
  "client",
  "outcome",
  "status",
  "reason",
  "body_bytes",
  "verification_scheme",
  "secret_index",
  "verification_failure",
  "hub_event_id",
  "provider_event_id",
  "event_type",
  "headers",
] as const;

const deliveryOf = (row: DeliveryRow): CatalogDelivery => ({
  deliveryId: row.delivery_id,
  receivedAt: row.received_at,
  source: row.source,
  requestId: row.request_id,
  client: row.client,
  outcome: row.outcome,
  status: row.status,
  reason: row.reason,
  bodyBytes: Number(row.body_bytes),
  verification: { scheme: row.verification_scheme, secretIndex: row.secret_index, failure: row.verification_failure },
  hubEventId: row.hub_event_id,
  providerEventId: row.provider_event_id,
  eventType: row.event_type,
  headers: row.headers,
});

/** Deliveries matching every given filter, newest first; pass the returned `next` as `before` for the following page. */
export async function listDeliveries(db: Knex, filter: DeliveryFilter = {}, page: DeliveryPageRequest = {}): Promise<Page<CatalogDelivery, DeliveryCursor>> {
  const limit = pageLimit(page.limit);
  const query = db("catalog_deliveries").select(COLUMNS);
  if (filter.source?.length) query.whereIn("source", [...filter.source]);
  if (filter.outcome?.length) query.whereIn("outcome", [...filter.outcome]);
  if (filter.reason?.length) query.whereIn("reason", [...filter.reason]);
  if (filter.from) query.where("received_at", ">=", filter.from);
  if (filter.to) query.where("received_at", "<", filter.to);
  if (filter.hubEventId !== undefined) query.where("hub_event_id", filter.hubEventId);
  if (filter.providerEventId !== undefined) query.where("provider_event_id", filter.providerEventId);
  if (filter.requestId !== undefined) query.where("request_id", filter.requestId);
  if (filter.client !== undefined) query.where("client", filter.client);
  if (page.before) query.whereRaw("(received_at, delivery_id) < (?, ?)", [page.before.receivedAt, page.before.deliveryId]);
  const rows = (await query
    .orderBy([
      { column: "received_at", order: "desc" },
      { column: "delivery_id", order: "desc" },
    ])
    .limit(limit + 1)) as DeliveryRow[];
  const items = rows.slice(0, limit).map(deliveryOf);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { receivedAt: last.receivedAt, deliveryId: last.deliveryId } : null };
}

/**
 * Every delivery of one event, oldest first: the accepted one (by hub event id) and the duplicates
 * and redeliveries of the same provider event to the same source.
 */
export async function deliveriesOfEvent(db: Knex, event: { eventId: string; source: string; providerEventId: string }): Promise<CatalogDelivery[]> {
  const rows = (await db("catalog_deliveries")
    .select(COLUMNS)
    .where("hub_event_id", event.eventId)
    .orWhere((where) => where.where({ source: event.source, provider_event_id: event.providerEventId }))
    .orderBy([
      { column: "received_at", order: "asc" },
      { column: "delivery_id", order: "asc" },
    ])) as DeliveryRow[];
  return rows.map(deliveryOf);
}

/** The bucket of received_at, in seconds since the epoch rounded down to the bucket: works on any Postgres (date_bin needs 14). */
function bucketSeconds(window: CountWindow): number {
  if (!(window.bucketMinutes > 0) || !Number.isFinite(window.bucketMinutes))
    throw new CatalogQueryError(`bucketMinutes ${window.bucketMinutes}: a positive number`);
  return Math.round(window.bucketMinutes * 60);
}

const BUCKET = "to_timestamp(floor(extract(epoch from received_at) / ?) * ?)";

/** Rejected deliveries (the sender's fault, 4xx) per bucket, source and reason, oldest bucket first. */
export async function rejectionCounts(db: Knex, window: CountWindow): Promise<RejectionCount[]> {
  const seconds = bucketSeconds(window);
  const rows = await db("catalog_deliveries")
    .select(db.raw(`${BUCKET} as bucket`, [seconds, seconds]), "source", "reason")
    .count<Array<{ bucket: Date; source: string; reason: string | null; count: string }>>("* as count")
    .where({ outcome: "rejected" })
    .where("received_at", ">=", window.since)
    .groupBy("bucket", "source", "reason")
    .orderBy(["bucket", "source", "reason"]);
  return rows.map((row) => ({ bucket: row.bucket, source: row.source, reason: row.reason, count: Number(row.count) }));
}

/** Deliveries per bucket, source and outcome, oldest bucket first. */
export async function deliveryCounts(db: Knex, window: CountWindow): Promise<DeliveryCount[]> {
  const seconds = bucketSeconds(window);
  const rows = await db("catalog_deliveries")
    .select(db.raw(`${BUCKET} as bucket`, [seconds, seconds]), "source", "outcome")
    .count<Array<{ bucket: Date; source: string; outcome: DeliveryOutcome; count: string }>>("* as count")
    .where("received_at", ">=", window.since)
    .groupBy("bucket", "source", "outcome")
    .orderBy(["bucket", "source", "outcome"]);
  return rows.map((row) => ({ bucket: row.bucket, source: row.source, outcome: row.outcome, count: Number(row.count) }));
}

/**
 * How the source's verified deliveries since `since` split over its secrets: while a secret rotates,
 * the old one can go once its share is 0.
 */
export async function secretUsage(db: Knex, source: string, since: Date): Promise<SecretUsage[]> {
  const rows = (await db("catalog_deliveries")
    .select("secret_index")
    .count("* as count")
    .where({ source })
    .where("received_at", ">=", since)
    .whereNotNull("secret_index")
    .groupBy("secret_index")
    .orderBy("secret_index")) as Array<{ secret_index: number; count: string }>;
  const total = rows.reduce((sum, row) => sum + Number(row.count), 0);
  return rows.map((row) => ({ secretIndex: row.secret_index, deliveries: Number(row.count), share: Number(row.count) / total }));
}

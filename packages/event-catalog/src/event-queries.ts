// The console's reads of catalog_events: newest first, keyset-paged on (received_at, event_id), each
// filter served by an index of the migration (one per single filter; combined ones filter the walk).
import type { Knex } from "@hooklog/db";
import { CatalogQueryError, pageLimit } from "./query-errors.ts";
import type { CatalogEvent, CatalogedEvent, CatalogEventSummary, CatalogPayload, Page } from "./rows.ts";

export interface EventFilter {
  /** Any of these sources. */
  source?: readonly string[];
  /** Any of these event types. */
  type?: readonly string[];
  /** Any of webhook, reconciliation, replay. */
  origin?: readonly string[];
  /** Received at or after. */
  from?: Date;
  /** Received before. */
  to?: Date;
  /** Free text, as a web search box takes it ("quoted phrase", -excluded, or): matched against the type, the ids and the payload's string values. */
  text?: string;
  /** The hub's id. */
  eventId?: string;
  providerEventId?: string;
  /** The Kafka message key (the entity). */
  partitionKey?: string;
  /** A payload field equal to a value: path ["data","object","customer"], value "cus_123". */
  field?: { path: readonly string[]; value: string | number | boolean };
  /** Events some consumer has in one of these states (the consumer kit's consumer_event_states: retrying, dead_lettered, ...). */
  consumerStates?: readonly string[];
}

/** Where the previous page ended: its last event's receivedAt and eventId. */
export interface EventCursor {
  receivedAt: Date;
  eventId: string;
}

export interface EventPageRequest {
  before?: EventCursor;
  /** 1 to 500; default 50. */
  limit?: number;
}

const SUMMARY_COLUMNS = [
  "event_id",
  "source",
  "provider",
  "provider_event_id",
  "type",
  "origin",
  "received_at",
  "provider_timestamp",
  "verification_scheme",
  "secret_index",
  "content_type",
  "topic",
  "partition",
  "offset",
  "partition_key",
  "trace_id",
  "payload_bytes",
  "payload_pruned_at",
] as const;

interface SummaryRow {
  event_id: string;
  source: string;
  provider: string;
  provider_event_id: string;
  type: string;
  origin: string;
  received_at: Date;
  provider_timestamp: Date | null;
  verification_scheme: string;
  secret_index: number | null;
  content_type: string;
  topic: string;
  partition: number;
  offset: string;
  partition_key: string | null;
  trace_id: string | null;
  payload_bytes: number;
  payload_pruned_at: Date | null;
}

interface EventRow extends SummaryRow {
  headers: Record<string, string>;
  payload: unknown;
  payload_text: string | null;
  payload_base64: string | null;
}

const summaryOf = (row: SummaryRow): CatalogEventSummary => ({
  eventId: row.event_id,
  source: row.source,
  provider: row.provider,
  providerEventId: row.provider_event_id,
  type: row.type,
  origin: row.origin,
  receivedAt: row.received_at,
  providerTimestamp: row.provider_timestamp,
  verification: { scheme: row.verification_scheme, secretIndex: row.secret_index },
  contentType: row.content_type,
  position: { topic: row.topic, partition: row.partition, offset: row.offset },
  partitionKey: row.partition_key,
  traceId: row.trace_id,
  payloadBytes: row.payload_bytes,
  payloadPrunedAt: row.payload_pruned_at,
});

function payloadOf(row: EventRow): CatalogPayload {
  if (row.payload_pruned_at !== null) return { form: "pruned", prunedAt: row.payload_pruned_at };
  if (row.payload_text !== null) return { form: "text", text: row.payload_text };
  if (row.payload_base64 !== null) return { form: "base64", base64: row.payload_base64 };
  // A JSON body of `null` is stored as jsonb null: still the JSON form.
  return { form: "json", value: row.payload };
}

/** `["data","object","customer"]` and "cus_123" → {"data":{"object":{"customer":"cus_123"}}}, for `payload @>`. */
export function fieldDocument(field: NonNullable<EventFilter["field"]>): unknown {
  if (field.path.length === 0 || field.path.some((segment) => segment === "")) throw new CatalogQueryError("a field filter needs a path of non-empty names");
  return field.path.reduceRight<unknown>((inner, segment) => ({ [segment]: inner }), field.value);
}

function applyFilter(query: Knex.QueryBuilder, filter: EventFilter): Knex.QueryBuilder {
  if (filter.source?.length) query.whereIn("source", [...filter.source]);
  if (filter.type?.length) query.whereIn("type", [...filter.type]);
  if (filter.origin?.length) query.whereIn("origin", [...filter.origin]);
  if (filter.from) query.where("received_at", ">=", filter.from);
  if (filter.to) query.where("received_at", "<", filter.to);
  if (filter.eventId !== undefined) query.where("event_id", filter.eventId);
  if (filter.providerEventId !== undefined) query.where("provider_event_id", filter.providerEventId);
  if (filter.partitionKey !== undefined) query.where("partition_key", filter.partitionKey);
  if (filter.field) query.whereRaw("payload @> ?::jsonb", [JSON.stringify(fieldDocument(filter.field))]);
  // The kit's own table, read here by its documented columns: which events a consumer is stuck on.
  // Few events are stuck at a time: they are read first, once (a materialized CTE over the kit's
  // index of unprocessed states), then matched by hash; probing the states once per event of the
  // newest-first walk took 230-650 ms with a million events (npm run bench:console).
  if (filter.consumerStates?.length) {
    const states = [...filter.consumerStates];
    query
      .withMaterialized("stuck", (stuck) => stuck.distinct("event_id").from("consumer_event_states").whereIn("state", states))
      .whereIn("event_id", (stuck) => stuck.select("event_id").from("stuck"));
  }
  const text = filter.text?.trim();
  if (text) query.whereRaw("search @@ websearch_to_tsquery('simple', ?)", [text]);
  return query;
}

/** Events matching every given filter, newest first; pass the returned `next` as `before` for the following page. */
export async function listEvents(db: Knex, filter: EventFilter = {}, page: EventPageRequest = {}): Promise<Page<CatalogEventSummary, EventCursor>> {
  const limit = pageLimit(page.limit);
  const query = applyFilter(db("catalog_events").select(SUMMARY_COLUMNS), filter);
  if (page.before) query.whereRaw("(received_at, event_id) < (?, ?)", [page.before.receivedAt, page.before.eventId]);
  // One more than asked: whether there is a next page, without a count.
  const rows = (await query
    .orderBy([
      { column: "received_at", order: "desc" },
      { column: "event_id", order: "desc" },
    ])
    .limit(limit + 1)) as SummaryRow[];
  const items = rows.slice(0, limit).map(summaryOf);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { receivedAt: last.receivedAt, eventId: last.eventId } : null };
}

/** One event with its headers and payload; undefined when the catalog has none of that id. */
export async function getEvent(db: Knex, eventId: string): Promise<CatalogEvent | undefined> {
  const row = (await db("catalog_events")
    .select([...SUMMARY_COLUMNS, "headers", "payload", "payload_text", "payload_base64"])
    .where({ event_id: eventId })
    .first()) as EventRow | undefined;
  return row && { ...summaryOf(row), headers: row.headers, payload: payloadOf(row) };
}

/** The events of one entity (message key) of a source, in log order: oldest first, as its consumers applied them. */
export async function eventsOfEntity(db: Knex, partitionKey: string, source: string, options: { limit?: number } = {}): Promise<CatalogEventSummary[]> {
  const rows = (await db("catalog_events")
    .select(SUMMARY_COLUMNS)
    .where({ partition_key: partitionKey, source })
    // Offsets are kept as text (kafkajs's form); numeric order, not text order ("10" after "9").
    .orderByRaw('topic, partition, "offset"::numeric')
    .limit(options.limit ?? 1000)) as SummaryRow[];
  return rows.map(summaryOf);
}

/**
 * Events matching the filter cataloged at or after `since`, oldest first by (catalogedAt, eventId),
 * at most `limit` (1 to 500). One batch of the catalog writes many rows with the same catalogedAt: to
 * page on, pass the last row's catalogedAt as `since` and its eventId as `afterEventId`, which skips
 * what that page already had. A row's catalogedAt is when its transaction began, and it shows only
 * once committed: a poller that looks again from its last catalogedAt less a few seconds, keeping the
 * ids it has seen, misses none.
 */
export async function eventsCatalogedSince(db: Knex, filter: EventFilter, since: Date, limit: number, afterEventId?: string): Promise<CatalogedEvent[]> {
  const query = applyFilter(db("catalog_events").select([...SUMMARY_COLUMNS, "cataloged_at"]), filter);
  query.where("cataloged_at", ">=", since);
  // Postgres keeps microseconds, a Date milliseconds: rows are ordered and skipped by the millisecond
  // a Date can say, or a page's last catalogedAt would find rows of its own millisecond again.
  if (afterEventId !== undefined) query.where((skip) => skip.where("cataloged_at", ">=", new Date(since.getTime() + 1)).orWhere("event_id", ">", afterEventId));
  const rows = (await query.orderByRaw("date_trunc('milliseconds', cataloged_at), event_id").limit(pageLimit(limit))) as Array<
    SummaryRow & { cataloged_at: Date }
  >;
  return rows.map((row) => ({ ...summaryOf(row), catalogedAt: row.cataloged_at }));
}

// What the catalog's queries answer: its rows as the console sees them.

/** Where an event sits in the log (its first position: the same across retries and replays). */
export interface CatalogPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** One webhook event without its headers and payload: what a list shows. */
export interface CatalogEventSummary {
  /** The hub's id (UUID v7). */
  eventId: string;
  source: string;
  provider: string;
  providerEventId: string;
  type: string;
  origin: string;
  receivedAt: Date;
  providerTimestamp: Date | null;
  verification: { scheme: string; secretIndex: number | null };
  contentType: string;
  position: CatalogPosition;
  /** The Kafka message key: the entity the event is ordered by (the order, the pull request). */
  partitionKey: string | null;
  /** The W3C trace id of the request that brought the event. */
  traceId: string | null;
  payloadBytes: number;
  /** Set once the payload was dropped for its age (CATALOG_PAYLOAD_RETENTION_DAYS). */
  payloadPrunedAt: Date | null;
}

/** An event as a poller of new events gets it: with when the catalog wrote it. */
export type CatalogedEvent = CatalogEventSummary & {
  /** When the catalog's transaction that wrote the row began (Postgres now()). */
  catalogedAt: Date;
};

/**
 * The body as the catalog keeps it: the parsed JSON (or GitHub form's JSON); else the text; else
 * the bytes in base64; or nothing once pruned (the log still has it).
 */
export type CatalogPayload =
  | { form: "json"; value: unknown }
  | { form: "text"; text: string }
  | { form: "base64"; base64: string }
  | { form: "pruned"; prunedAt: Date };

/** One webhook event in full. */
export interface CatalogEvent extends CatalogEventSummary {
  /** The audit headers its provider keeps (never a signature). */
  headers: Record<string, string>;
  payload: CatalogPayload;
}

export type DeliveryOutcome = "accepted" | "duplicate" | "ignored" | "rejected" | "unavailable";

/** One inbound request to POST /webhooks/:source and ingest's answer. */
export interface CatalogDelivery {
  deliveryId: string;
  receivedAt: Date;
  source: string;
  requestId: string;
  client: string;
  outcome: DeliveryOutcome;
  status: number;
  /** The error code of a rejected or unavailable answer. */
  reason: string | null;
  bodyBytes: number;
  verification: { scheme: string | null; secretIndex: number | null; failure: string | null };
  /** The event written for an accepted delivery. */
  hubEventId: string | null;
  providerEventId: string | null;
  eventType: string | null;
  headers: Record<string, string>;
}

/** A page of a newest-first list and the cursor of the next one (null on the last page). */
export interface Page<Item, Cursor> {
  items: Item[];
  next: Cursor | null;
}

// Events per time bucket and source: the events page's chart of what arrives.
import type { Knex } from "@hooklog/db";
import { CatalogQueryError } from "./query-errors.ts";

export interface EventCount {
  /** The bucket's start. */
  bucket: Date;
  source: string;
  count: number;
}

/** Events received since `since`, per bucket of `bucketMinutes` and source, oldest bucket first (served by the received_at index). */
export async function eventCounts(db: Knex, window: { since: Date; bucketMinutes: number }): Promise<EventCount[]> {
  if (!(window.bucketMinutes > 0) || !Number.isFinite(window.bucketMinutes))
    throw new CatalogQueryError(`bucketMinutes ${window.bucketMinutes}: a positive number`);
  const seconds = Math.round(window.bucketMinutes * 60);
  const rows = await db("catalog_events")
    .select(db.raw("to_timestamp(floor(extract(epoch from received_at) / ?) * ?) as bucket", [seconds, seconds]), "source")
    .count<Array<{ bucket: Date; source: string; count: string }>>("* as count")
    .where("received_at", ">=", window.since)
    .groupBy("bucket", "source")
    .orderBy(["bucket", "source"]);
  return rows.map((row) => ({ bucket: row.bucket, source: row.source, count: Number(row.count) }));
}

// Deliveries are one row per inbound request, a flood's worth: past the deliveries topic's own
// retention they are deleted, as the log drops them (a rebuild could not bring them back either).
import type { Knex } from "@hooklog/db";
import { PRUNE_BATCH_ROWS } from "./payload-retention.ts";

/**
 * Deletes every delivery received before `olderThan`, in batches of `batchRows`; returns how many it
 * deleted. Safe to run while the consumer writes.
 */
export async function pruneCatalogDeliveries(db: Knex, olderThan: Date, options: { batchRows?: number } = {}): Promise<number> {
  const batchRows = options.batchRows ?? PRUNE_BATCH_ROWS;
  let pruned = 0;
  for (;;) {
    // catalog_deliveries_received finds the oldest batch by an index walk.
    const result = await db.raw<{ rowCount: number }>(
      `delete from catalog_deliveries
        where delivery_id in (
          select delivery_id from catalog_deliveries
           where received_at < ?
           order by received_at
           limit ?
           for update skip locked)`,
      [olderThan, batchRows],
    );
    pruned += result.rowCount;
    if (result.rowCount < batchRows) return pruned;
  }
}

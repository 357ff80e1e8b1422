// Payloads are the catalog's bulk: past the retention they are dropped (the log keeps every byte, and
// `hooklog events show` reads it there). The row, its search terms and its size stay.
import type { Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import { pruneCatalogDeliveries } from "./delivery-retention.ts";

/** Rows updated per statement: short transactions, no long lock on a busy table. */
export const PRUNE_BATCH_ROWS = 1000;

/**
 * Drops the payload of every event received before `olderThan` that still holds one, in batches of
 * `batchRows`; returns how many events it pruned. Safe to run while the consumer writes.
 */
export async function pruneCatalogPayloads(db: Knex, olderThan: Date, options: { batchRows?: number } = {}): Promise<number> {
  const batchRows = options.batchRows ?? PRUNE_BATCH_ROWS;
  let pruned = 0;
  for (;;) {
    // The partial index catalog_events_unpruned finds the next batch without walking the pruned rows.
    const result = await db.raw<{ rowCount: number }>(
      `update catalog_events set payload = null, payload_text = null, payload_base64 = null, payload_pruned_at = now()
        where event_id in (
          select event_id from catalog_events
           where payload_pruned_at is null and received_at < ?
           order by received_at
           limit ?
           for update skip locked)`,
      [olderThan, batchRows],
    );
    pruned += result.rowCount;
    if (result.rowCount < batchRows) return pruned;
  }
}

export interface PayloadPruner {
  stop(): Promise<void>;
}

/**
 * Prunes at once and then every `intervalMs`: payloads older than `retentionMs`, and deliveries older
 * than `deliveryRetentionMs` (delivery-retention.ts). A failed run is logged and the next one tries again.
 */
export function startPayloadPruner(
  db: Knex,
  options: { retentionMs: number; deliveryRetentionMs: number; intervalMs: number; logger: Logger; now?: () => number },
): PayloadPruner {
  const now = options.now ?? Date.now;
  let inFlight: Promise<void> | undefined;
  const prune = async (): Promise<void> => {
    const olderThan = new Date(now() - options.retentionMs);
    try {
      const pruned = await pruneCatalogPayloads(db, olderThan);
      if (pruned > 0) options.logger.info({ pruned, olderThan }, "catalog payloads past their retention dropped");
    } catch (error) {
      options.logger.error({ err: error }, "pruning catalog payloads failed; the next run tries again");
    }
    const deliveriesOlderThan = new Date(now() - options.deliveryRetentionMs);
    try {
      const deleted = await pruneCatalogDeliveries(db, deliveriesOlderThan);
      if (deleted > 0) options.logger.info({ deleted, olderThan: deliveriesOlderThan }, "catalog deliveries past their retention deleted");
    } catch (error) {
      options.logger.error({ err: error }, "pruning catalog deliveries failed; the next run tries again");
    }
  };
  const run = (): void => {
    // A run still going when the next is due (a first prune of a large backlog) is not doubled.
    if (inFlight) return;
    inFlight = prune().finally(() => {
      inFlight = undefined;
    });
  };
  run();
  // Unref'd: the prune never keeps the process alive on its own.
  const timer = setInterval(run, options.intervalMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

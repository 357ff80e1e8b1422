import type { Knex } from "@hooklog/db";

/** A destination's circuit as its routes service last wrote it. */
export interface CircuitState {
  consumer: string;
  route: string;
  destination: string;
  open: boolean;
  failures: number;
  openedAt: Date | null;
  lastError: string | null;
  updatedAt: Date;
}

/** Writes a destination's circuit as it opens or closes. */
export async function recordCircuit(db: Knex, state: Omit<CircuitState, "updatedAt" | "openedAt">): Promise<void> {
  await db("route_circuits")
    .insert({
      consumer: state.consumer,
      route: state.route,
      destination: state.destination,
      open: state.open,
      failures: state.failures,
      opened_at: state.open ? db.fn.now() : null,
      last_error: state.lastError,
    })
    .onConflict("consumer")
    .merge({ open: state.open, failures: state.failures, opened_at: state.open ? db.fn.now() : null, last_error: state.lastError, updated_at: db.fn.now() });
}

/**
 * As a routes service starts, its circuits are closed (each starts closed in memory): a row left open
 * by a service that stopped while a destination was down would say PAUSED for ever. Rows of its
 * prefix whose destination is no longer configured are dropped.
 */
export async function resetCircuits(db: Knex, prefix: string, consumers: readonly string[]): Promise<void> {
  await db("route_circuits").whereIn("consumer", consumers).update({ open: false, failures: 0, opened_at: null, updated_at: db.fn.now() });
  await db("route_circuits")
    .where("consumer", "like", `${prefix.replaceAll("_", "\\_")}-%`)
    .whereNotIn("consumer", consumers)
    .delete();
}

interface CircuitRow {
  consumer: string;
  route: string;
  destination: string;
  open: boolean;
  failures: number;
  opened_at: Date | null;
  last_error: string | null;
  updated_at: Date;
}

/** Every circuit written so far, by consumer; empty before the routes service first ran. */
export async function routeCircuits(db: Knex): Promise<Map<string, CircuitState>> {
  if (!(await db.schema.hasTable("route_circuits"))) return new Map();
  const rows = (await db("route_circuits").select()) as CircuitRow[];
  return new Map(
    rows.map((row) => [
      row.consumer,
      {
        consumer: row.consumer,
        route: row.route,
        destination: row.destination,
        open: row.open,
        failures: row.failures,
        openedAt: row.opened_at,
        lastError: row.last_error,
        updatedAt: row.updated_at,
      },
    ]),
  );
}

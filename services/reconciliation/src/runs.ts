// Reconciliation's state in Postgres: each source's checkpoint, the run log, and the advisory lock
// that keeps one reconciliation per source running across every instance.
// Tables: src/migrations/0005_reconciliation.ts.
import { advisoryLockKey, trySessionLock, type Knex, type SessionLock } from "@hooklog/db";
import type { RunTally } from "./run-result.ts";
import type { RunWindow } from "./window.ts";

/** The advisory-lock key of a source. */
export function lockKey(source: string): bigint {
  return advisoryLockKey(`hooklog-reconciliation:${source}`);
}

export class RunLog {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async checkpoint(source: string): Promise<Date | undefined> {
    const row = (await this.#db("reconciliation_checkpoints").where({ source }).first("checkpoint")) as { checkpoint: Date } | undefined;
    return row?.checkpoint;
  }

  /** Moves the checkpoint to `to`, never backwards. */
  async advanceCheckpoint(source: string, to: Date): Promise<void> {
    await this.#db("reconciliation_checkpoints")
      .insert({ source, checkpoint: to, updated_at: this.#db.fn.now() })
      .onConflict("source")
      .merge({
        checkpoint: this.#db.raw("greatest(reconciliation_checkpoints.checkpoint, excluded.checkpoint)"),
        updated_at: this.#db.fn.now(),
      });
  }

  /** Opens a run's row as it starts, so a run that dies half-way is still visible (finished_at null). */
  async start(source: string, window: RunWindow, startedAt: Date): Promise<string> {
    const [row] = (await this.#db("reconciliation_runs")
      .insert({ source, window_start: window.start, window_end: window.end, started_at: startedAt })
      .returning("id")) as Array<{ id: string | number }>;
    if (!row) throw new Error("inserting the reconciliation run returned no id");
    return String(row.id);
  }

  async finish(runId: string, tally: RunTally, finishedAt: Date, durationMs: number): Promise<void> {
    await this.#db("reconciliation_runs")
      .where({ id: runId })
      .update({
        events_seen: tally.eventsSeen,
        gaps_found: tally.gapsFound,
        backfilled: tally.backfilled,
        errors: JSON.stringify(tally.problems),
        finished_at: finishedAt,
        duration_ms: Math.round(durationMs),
      });
  }

  /**
   * The source's session lock (pg_try_advisory_lock on a connection of its own), held until
   * release(). Undefined when another session (another instance, or another run here) holds it.
   */
  tryLock(source: string): Promise<SessionLock | undefined> {
    return trySessionLock(this.#db, lockKey(source));
  }
}

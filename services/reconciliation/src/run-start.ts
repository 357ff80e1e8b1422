// How every run of a source begins, real or dry: its window, the warnings that window earns, and
// what the provider's reconciler is handed. One place, so a dry run reports what the run would.
import type { ReconcileRun } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import type { BackfillWriter } from "./backfill-writer.ts";
import { newTally, problemOf, warning, type RunTally } from "./run-result.ts";
import type { RunLog } from "./runs.ts";
import { runWindow, type RunWindow } from "./window.ts";

export interface RunStartDeps {
  runLog: Pick<RunLog, "checkpoint">;
  overlapMs: number;
  initialLookbackMs: number;
  dedupRetentionMs: number;
}

export interface RunStart {
  checkpoint: Date | undefined;
  window: RunWindow;
  /** Empty counts, and the window's warnings already among its problems. */
  tally: RunTally;
}

/** The window of a run of `source` beginning `at` (from `since`, else its checkpoint), and its tally. */
export async function startRun(source: string, since: Date | undefined, at: Date, deps: RunStartDeps): Promise<RunStart> {
  const checkpoint = await deps.runLog.checkpoint(source);
  const window = runWindow({ checkpoint, since, now: at, overlapMs: deps.overlapMs, initialLookbackMs: deps.initialLookbackMs });
  const tally = newTally();
  const retainedFrom = at.getTime() - deps.dedupRetentionMs;
  if (window.start.getTime() < retainedFrom)
    tally.problems.push(
      warning(
        "dedup_retention_exceeded",
        `the window starts before the dedup ledger's retention: events ingest accepted before ${new Date(retainedFrom).toISOString()} may be written again (consumers skip them as duplicates)`,
      ),
    );
  return { checkpoint, window, tally };
}

/** What the provider's reconciler gets of a run: its window and tally, and the log through the shared ledger. */
export function reconcileRun(source: SourceConfig, start: RunStart, writer: Pick<BackfillWriter, "missing">, write: ReconcileRun["write"]): ReconcileRun {
  const { window, tally } = start;
  return {
    window,
    tally,
    warn: (code, message) => tally.problems.push(warning(code, message)),
    problem: (error, where, severity) => tally.problems.push({ ...problemOf(error, where), severity }),
    missing: (providerEventIds) => writer.missing(source.name, providerEventIds),
    write,
  };
}

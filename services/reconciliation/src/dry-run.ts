// A dry run: what a run of a source now would find, counted, with nothing written. The provider's
// reconciler lists the window as in a real run and asks the ledger what the log lacks; its writes go
// nowhere, and neither the checkpoint nor the run log is touched, so no watermark moves.
import type { Logger } from "@hooklog/logging";
import type { ReconcileRun, SourceReconciler } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import type { BackfillWriter } from "./backfill-writer.ts";
import { newTally, problemOf, warning, type DryRunSummary, type RunResult } from "./run-result.ts";
import type { RunLog } from "./runs.ts";
import { runWindow } from "./window.ts";

export interface DryRunDeps {
  writer: Pick<BackfillWriter, "missing">;
  runLog: Pick<RunLog, "checkpoint">;
  logger: Logger;
  overlapMs: number;
  initialLookbackMs: number;
  now: () => Date;
}

/**
 * Providers whose reconciler acts on the provider itself rather than through the run's writer:
 * GitHub's asks GitHub to redeliver (RECONCILIATION_GITHUB_MODE=redeliver), which a dry run could not hold back.
 */
const ACTS_ON_THE_PROVIDER = new Set(["github"]);

export async function dryRun(source: SourceConfig, reconciler: SourceReconciler, since: Date | undefined, deps: DryRunDeps): Promise<RunResult> {
  if (ACTS_ON_THE_PROVIDER.has(source.provider))
    return {
      status: "rejected",
      source: source.name,
      code: "not_dry_runnable",
      message: `${source.name} cannot be dry-run: the ${source.provider} reconciler may ask ${source.provider} to redeliver, which a dry run must not do`,
    };
  const startedAt = deps.now();
  const started = performance.now();
  const checkpoint = await deps.runLog.checkpoint(source.name);
  const window = runWindow({ checkpoint, since, now: startedAt, overlapMs: deps.overlapMs, initialLookbackMs: deps.initialLookbackMs });
  const tally = newTally();
  const run: ReconcileRun = {
    window,
    tally,
    warn: (code, message) => tally.problems.push(warning(code, message)),
    problem: (error, where, severity) => tally.problems.push({ ...problemOf(error, where), severity }),
    missing: (providerEventIds) => deps.writer.missing(source.name, providerEventIds),
    // The reconciler has counted these in gapsFound already; writing them is what a dry run leaves out.
    write: async () => {},
  };
  try {
    await reconciler.reconcile(source, run);
  } catch (error) {
    tally.problems.push(problemOf(error));
  }
  const summary: DryRunSummary = {
    source: source.name,
    provider: source.provider,
    window: { start: window.start.toISOString(), end: window.end.toISOString(), basis: window.basis },
    eventsSeen: tally.eventsSeen,
    wouldBackfill: tally.gapsFound,
    errors: tally.problems,
    durationMs: Math.round(performance.now() - started),
  };
  deps.logger.info({ ...summary, errors: undefined, problems: summary.errors.length }, "reconciliation dry run: nothing written");
  return { status: "dry-run", ...summary };
}

// A dry run: what a run of a source now would find, counted, with nothing written. The provider's
// reconciler lists the window as in a real run and asks the ledger what the log lacks; its writes go
// nowhere, and neither the checkpoint nor the run log is touched, so no watermark moves.
import type { Logger } from "@hooklog/logging";
import type { SourceReconciler } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import type { BackfillWriter } from "./backfill-writer.ts";
import { problemOf, type DryRunSummary, type RunResult } from "./run-result.ts";
import { reconcileRun, startRun, type RunStartDeps } from "./run-start.ts";

export interface DryRunDeps extends RunStartDeps {
  writer: Pick<BackfillWriter, "missing">;
  /** Why this source's reconciler would act on the provider itself, which no dry run can hold back; undefined when it only writes through the run. */
  notDryRunnable: (source: SourceConfig) => string | undefined;
  logger: Logger;
  now: () => Date;
}

export async function dryRun(source: SourceConfig, reconciler: SourceReconciler, since: Date | undefined, deps: DryRunDeps): Promise<RunResult> {
  const refusal = deps.notDryRunnable(source);
  if (refusal !== undefined)
    return { status: "rejected", source: source.name, code: "not_dry_runnable", message: `${source.name} cannot be dry-run: ${refusal}` };
  const startedAt = deps.now();
  const started = performance.now();
  const start = await startRun(source.name, since, startedAt, deps);
  const { window, tally } = start;
  try {
    // The reconciler has counted these in gapsFound already; writing them is what a dry run leaves out.
    await reconciler.reconcile(
      source,
      reconcileRun(source, start, deps.writer, async () => {}),
    );
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

// One reconciliation run of one source: the lock, the window, the provider's reconciler inside a
// run span, the run log row, the checkpoint and the metrics.
import { SpanStatusCode, context, trace, type Context } from "@hooklog/telemetry";
import type { Logger } from "@hooklog/logging";
import type { SourceReconciler } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import type { BackfillWriter } from "./backfill-writer.ts";
import type { ReconciliationMetrics } from "./metrics.ts";
import { problemOf, type RunResult, type RunSummary } from "./run-result.ts";
import { dryRun } from "./dry-run.ts";
import type { RunLog } from "./runs.ts";
import { reconcileRun, startRun } from "./run-start.ts";
import { coversCheckpoint } from "./window.ts";

export interface ReconcileDeps {
  sources: ReadonlyMap<string, SourceConfig>;
  /** The reconciler of a source, or why it has none (which setting is missing). */
  reconcilerFor: (source: SourceConfig) => SourceReconciler | string;
  writer: BackfillWriter;
  runLog: RunLog;
  metrics: ReconciliationMetrics;
  logger: Logger;
  overlapMs: number;
  initialLookbackMs: number;
  dedupRetentionMs: number;
  /** Why a dry run of a source could not be held to writing nothing (its reconciler acts on the provider), or undefined. */
  notDryRunnable: (source: SourceConfig) => string | undefined;
  now: () => Date;
}

const tracer = trace.getTracer("hooklog-reconciliation");

export interface ReconcileRequest {
  /** Overrides the checkpoint for this run. */
  since?: Date;
  /** Counts what the run would write, writing nothing (dry-run.ts). */
  dryRun?: boolean;
}

/** Runs `name` now. */
export async function reconcileSource(name: string, request: ReconcileRequest, deps: ReconcileDeps): Promise<RunResult> {
  const source = deps.sources.get(name);
  if (!source)
    return {
      status: "rejected",
      source: name,
      code: "unknown_source",
      message: `no source ${name} in the sources file (known: ${[...deps.sources.keys()].join(", ")})`,
    };
  const reconciler = deps.reconcilerFor(source);
  if (typeof reconciler === "string")
    return { status: "rejected", source: name, code: "not_reconcilable", message: `${name} cannot be reconciled: ${reconciler}` };
  // Without the lock: it writes nothing, so it neither disturbs a run nor waits for one.
  if (request.dryRun) return dryRun(source, reconciler, request.since, deps);

  return tracer.startActiveSpan(
    `reconcile ${name}`,
    { attributes: { "hooklog.source": name, "hooklog.provider": source.provider } },
    async (span): Promise<RunResult> => {
      try {
        const lock = await deps.runLog.tryLock(name);
        if (!lock) {
          const reason = `another reconciliation of ${name} is running (its advisory lock is held); this one was skipped`;
          deps.metrics.runs.inc({ source: name, status: "skipped" });
          deps.logger.info({ source: name }, reason);
          span.setAttribute("hooklog.reconciliation.status", "skipped");
          return { status: "skipped", source: name, code: "run_in_progress", reason };
        }
        try {
          const result = await run(source, reconciler, request.since, deps, context.active());
          span.setAttributes({
            "hooklog.reconciliation.status": result.status,
            "hooklog.reconciliation.run_id": result.runId,
            "hooklog.reconciliation.events_seen": result.eventsSeen,
            "hooklog.reconciliation.gaps_found": result.gapsFound,
            "hooklog.reconciliation.backfilled": result.backfilled,
          });
          if (result.status === "failed")
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.errors.find((problem) => problem.severity === "error")?.message ?? "failed" });
          return result;
        } finally {
          await lock.release();
        }
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

async function run(
  source: SourceConfig,
  reconciler: SourceReconciler,
  since: Date | undefined,
  deps: ReconcileDeps,
  runContext: Context,
): Promise<RunSummary & { status: "completed" | "failed" }> {
  const startedAt = deps.now();
  const started = performance.now();
  const start = await startRun(source.name, since, startedAt, deps);
  const { checkpoint, window, tally } = start;
  const runId = await deps.runLog.start(source.name, window, startedAt);
  deps.logger.info(
    { source: source.name, runId, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString(), basis: window.basis },
    "reconciliation run started",
  );

  try {
    await reconciler.reconcile(
      source,
      reconcileRun(source, start, deps.writer, (events) => deps.writer.write(source, events, runContext, tally)),
    );
  } catch (error) {
    tally.problems.push(problemOf(error));
  }

  const failed = tally.problems.some((problem) => problem.severity === "error");
  const checkpointAdvanced = !failed && coversCheckpoint(window, checkpoint);
  if (checkpointAdvanced) await deps.runLog.advanceCheckpoint(source.name, window.end);
  const durationMs = performance.now() - started;
  await deps.runLog.finish(runId, tally, new Date(startedAt.getTime() + durationMs), durationMs);

  const summary: RunSummary = {
    source: source.name,
    provider: source.provider,
    runId,
    window: { start: window.start.toISOString(), end: window.end.toISOString(), basis: window.basis },
    eventsSeen: tally.eventsSeen,
    gapsFound: tally.gapsFound,
    backfilled: tally.backfilled,
    errors: tally.problems,
    durationMs: Math.round(durationMs),
    checkpointAdvanced,
  };
  record(summary, failed, deps);
  return { status: failed ? "failed" : "completed", ...summary };
}

function record(summary: RunSummary, failed: boolean, deps: ReconcileDeps): void {
  const source = summary.source;
  deps.metrics.runs.inc({ source, status: failed ? "failed" : "completed" });
  deps.metrics.eventsSeen.inc({ source }, summary.eventsSeen);
  deps.metrics.gapsFound.inc({ source }, summary.gapsFound);
  deps.metrics.backfilled.inc({ source }, summary.backfilled);
  deps.metrics.duration.observe({ source }, summary.durationMs / 1000);
  for (const problem of summary.errors) {
    deps.metrics.errors.inc({ source, severity: problem.severity });
    const fields = { source, runId: summary.runId, code: problem.code, ...(problem.requestId ? { requestId: problem.requestId } : {}) };
    if (problem.severity === "error") deps.logger.error(fields, problem.message);
    else deps.logger.warn(fields, problem.message);
  }
  const { errors: _errors, ...counts } = summary;
  deps.logger.info({ ...counts, problems: summary.errors.length }, failed ? "reconciliation run failed; the checkpoint stays" : "reconciliation run completed");
}

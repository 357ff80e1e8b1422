// What a reconciliation run reports: to the run log, the admin endpoint, the CLI and the metrics.

/** Something a run met: a warning lets the run succeed, an error fails it (its checkpoint stays). */
export interface RunProblem {
  severity: "warning" | "error";
  code: string;
  message: string;
  /** The provider's request id when an API call failed. */
  requestId?: string;
}

/** Counts a provider's reconciler adds to as it goes, so a run that fails half-way still reports what it did. */
export interface RunTally {
  /** Events (or distinct deliveries) the provider's API listed within the window. */
  eventsSeen: number;
  /** Events missing from the log, or deliveries that failed and were never delivered since. */
  gapsFound: number;
  /** Events written to the log, or redeliveries the provider accepted. */
  backfilled: number;
  problems: RunProblem[];
}

export interface RunSummary {
  source: string;
  provider: string;
  runId: string;
  window: { start: string; end: string; basis: "checkpoint" | "since" | "initial" };
  eventsSeen: number;
  gapsFound: number;
  backfilled: number;
  errors: RunProblem[];
  durationMs: number;
  /** Whether the source's checkpoint moved to the window's end. */
  checkpointAdvanced: boolean;
}

/** What a dry run found: what a run now would list and write, with nothing written and no checkpoint or run log touched. */
export interface DryRunSummary {
  source: string;
  provider: string;
  window: RunSummary["window"];
  eventsSeen: number;
  /** Events the provider's API lists in the window that the log lacks: a run would backfill them. */
  wouldBackfill: number;
  errors: RunProblem[];
  durationMs: number;
}

/** Every way asking for a run can end; the admin endpoint maps each to one HTTP status, the CLI to an exit code. */
export type RunResult =
  | ({ status: "completed" } & RunSummary)
  | ({ status: "failed" } & RunSummary)
  | ({ status: "dry-run" } & DryRunSummary)
  /** run_in_progress: another run holds the source's lock; not_dry_runnable: a dry run of every source passed over one it could not hold back. */
  | { status: "skipped"; source: string; code: "run_in_progress" | "not_dry_runnable"; reason: string }
  | { status: "rejected"; source: string; code: "unknown_source" | "not_reconcilable" | "not_dry_runnable"; message: string };

/**
 * Asked of every source, a source a dry run cannot hold back is passed over, its reason listed: the
 * others' dry runs stand. Named on its own, it stays refused, as the caller asked for it alone.
 */
export const passOverNotDryRunnable = (result: RunResult): RunResult =>
  result.status === "rejected" && result.code === "not_dry_runnable"
    ? { status: "skipped", source: result.source, code: "not_dry_runnable", reason: result.message }
    : result;

/** A source a dry run of every source passed over: no failure, and no skip of a run either. */
export const passedOver = (result: RunResult): boolean => result.status === "skipped" && result.code === "not_dry_runnable";

export const newTally = (): RunTally => ({ eventsSeen: 0, gapsFound: 0, backfilled: 0, problems: [] });

export const warning = (code: string, message: string): RunProblem => ({ severity: "warning", code, message });

/** A failure as the run log keeps it: the error's code and message (ProviderApiError's name the call and request id, never a credential). */
export function problemOf(error: unknown, where?: string): RunProblem {
  const shaped = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; requestId?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  return {
    severity: "error",
    code: typeof shaped.code === "string" ? shaped.code : "internal_error",
    message: where ? `${where}: ${message}` : message,
    ...(typeof shaped.requestId === "string" ? { requestId: shaped.requestId } : {}),
  };
}

// What a provider with an API offers reconciliation, and what reconciliation gives it for a run.
// The provider's reconciler knows its API (how to list, page, retry, what counts as a gap); the
// reconciliation service knows runs (lock, window, checkpoint, run log, the log writer).
import type { Logger } from "@hooklog/logging";
import type { FetchedEvent } from "../provider.ts";
import type { RetryListener, RetryPolicy } from "./retry.ts";

/** A source as its reconciler sees it (from hooklog.config.yaml). */
export interface ReconciledSource {
  name: string;
  /** undefined = every type. */
  eventTypes: readonly string[] | undefined;
  /** Its provider's own block (ProviderModule.options), which that provider's reconciler reads (GitHub's hooks). */
  options?: unknown;
}

/** One run of one source, as the reconciliation service hands it to the provider's reconciler. */
export interface ReconcileRun {
  /** From the checkpoint (less the overlap) to the run's start. */
  window: { start: Date; end: Date };
  /** Counts the reconciler adds to as it goes, so a run that fails half-way still reports what it did. */
  tally: { eventsSeen: number; gapsFound: number; backfilled: number };
  /** Something that does not fail the run (history beyond the provider's retention, say). */
  warn(code: string, message: string): void;
  /** A failure of one part of the run (one hook, one delivery) that lets the rest go on; an error fails the run. */
  problem(error: unknown, where: string, severity: "warning" | "error"): void;
  /** Which of these provider event ids the log lacks, by the shared dedup ledger. */
  missing(providerEventIds: readonly string[]): Promise<Set<string>>;
  /** Writes those of `events` (oldest first) still missing; adds each written one to tally.backfilled. */
  write(events: readonly FetchedEvent[]): Promise<void>;
}

export interface SourceReconciler {
  /** Adds what it saw and did to the run; throws what ends the run early. */
  reconcile(source: ReconciledSource, run: ReconcileRun): Promise<void>;
}

export interface ReconcilerDeps {
  retry: RetryPolicy;
  onRetry: RetryListener;
  logger: Logger;
  now: () => number;
}

/** A provider's API access, configured. */
export interface ApiAccess {
  /** Why `source` cannot be reconciled with these settings (which variable or block to set), or undefined. */
  missing(source: ReconciledSource): string | undefined;
  /** The reconciler, API client and all; undefined when the credentials are not set. */
  createReconciler(deps: ReconcilerDeps): SourceReconciler | undefined;
  /**
   * Why a dry run of `source` could not be held to writing nothing (its reconciler acts on the
   * provider itself, beyond the run's write), or undefined. Omitted: every run only writes through the run.
   */
  notDryRunnable?(source: ReconciledSource): string | undefined;
}

export interface ApiReconciliation {
  /** Its settings, read from the environment and validated once at start; throws ConfigError naming the variable. */
  loadAccess(service: string, env: NodeJS.ProcessEnv): ApiAccess;
}

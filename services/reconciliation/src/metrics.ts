import { subscribe } from "node:diagnostics_channel";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Published by the GitHub reconciler (its redelivery-limit.ts) for each delivery it leaves alone; a channel's name is its contract. */
const REDELIVERY_GIVEN_UP_CHANNEL = "hooklog:reconciliation:redelivery-given-up";

/** Reconciliation's Prometheus metrics, on a registry of its own so several services in one test process stay apart. */
export function createReconciliationMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hooklog_reconciliation_process_" });
  const bySource = ["source"] as const;
  const redeliveriesGivenUp = new Counter({
    name: "hooklog_reconciliation_redeliveries_given_up_total",
    help: "Failed deliveries left alone because the provider had redelivered them the maximum number of times; counted by each run whose window lists one",
    labelNames: bySource,
    registers: [registry],
  });
  // For the life of the process, as the registry is: one service per process in production.
  subscribe(REDELIVERY_GIVEN_UP_CHANNEL, (message) => {
    const source = (message as { source?: unknown }).source;
    if (typeof source === "string") redeliveriesGivenUp.inc({ source });
  });
  return {
    registry,
    runs: new Counter({
      name: "hooklog_reconciliation_runs_total",
      help: "Runs by source and how they ended: completed, failed, skipped (another run held the lock)",
      labelNames: ["source", "status"] as const,
      registers: [registry],
    }),
    eventsSeen: new Counter({
      name: "hooklog_reconciliation_events_seen_total",
      help: "Events (or, for providers that list deliveries, distinct delivery ids) the provider's API listed within run windows",
      labelNames: bySource,
      registers: [registry],
    }),
    gapsFound: new Counter({
      name: "hooklog_reconciliation_gaps_found_total",
      help: "Events missing from the log, or deliveries that failed and were never delivered since",
      labelNames: bySource,
      registers: [registry],
    }),
    backfilled: new Counter({
      name: "hooklog_reconciliation_backfilled_total",
      help: "Events written to the log with origin reconciliation, or redeliveries the provider accepted",
      labelNames: bySource,
      registers: [registry],
    }),
    errors: new Counter({
      name: "hooklog_reconciliation_errors_total",
      help: "Problems runs met: errors fail a run, warnings (history beyond retention) do not",
      labelNames: ["source", "severity"] as const,
      registers: [registry],
    }),
    redeliveriesGivenUp,
    apiRetries: new Counter({
      name: "hooklog_reconciliation_api_retries_total",
      help: "Provider API calls retried, by provider and reason (rate_limited, server_error, network)",
      labelNames: ["provider", "reason"] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "hooklog_reconciliation_run_duration_seconds",
      help: "How long a run took, by source",
      labelNames: bySource,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
  };
}

export type ReconciliationMetrics = ReturnType<typeof createReconciliationMetrics>;

import type { Server } from "node:http";
import { connectDatabase, migrateLatest } from "@hooklog/db";
import { EventAppender, EventLogWriter, eventLogMigrations } from "@hooklog/event-log";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { sleep, type ProviderName, type RetryListener, type RetryPolicy, type SourceReconciler } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import { createAdminServer } from "./app.ts";
import { BackfillWriter } from "./backfill-writer.ts";
import { missingApiAccess, notDryRunnable, type ReconciliationConfig } from "./config.ts";
import { createReconciliationMetrics, type ReconciliationMetrics } from "./metrics.ts";
import { reconciliationMigrations } from "./migrations/index.ts";
import { reconcileSource, type ReconcileRequest } from "./reconcile-source.ts";
import { createRoundSchedule } from "./round-schedule.ts";
import type { RunResult } from "./run-result.ts";
import { RunLog } from "./runs.ts";

export interface ReconciliationService {
  /** The admin server, not yet listening. */
  server: Server;
  /** The sources this configuration can reconcile (API access set). */
  reconcilable: readonly string[];
  /** The other sources, each with why it cannot be reconciled (which setting is missing). */
  notReconcilable: ReadonlyMap<string, string>;
  reconcile(source: string, request?: ReconcileRequest): Promise<RunResult>;
  /** Migrates, connects the producer and, unless told otherwise or the interval is 0, starts the schedule. */
  start(options?: { schedule?: boolean }): Promise<void>;
  /** Stops the schedule, waits for the run in hand, flushes the producer, closes connections. */
  stop(): Promise<void>;
}

/** For tests: a clock, and the waits of backoff. */
export interface ServiceOverrides {
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Wires reconciliation from its config: the admin server and the reconcilers, nothing running yet. */
export function createReconciliationService(config: ReconciliationConfig, logger: Logger, overrides: ServiceOverrides = {}): ReconciliationService {
  const now = overrides.now ?? (() => new Date());
  const kafka = createKafka({ clientId: "hooklog-reconciliation", brokers: config.KAFKA_BROKERS, logger });
  const producer = createIdempotentProducer(kafka);
  const registry = new SchemaRegistryClient(config.SCHEMA_REGISTRY_URL);
  const db = connectDatabase(config.DATABASE_URL, { applicationName: "hooklog-reconciliation", poolMax: 10 });
  const metrics = createReconciliationMetrics();
  const log = new EventLogWriter({
    db,
    producer,
    retentionHours: config.RECONCILIATION_DEDUP_RETENTION_HOURS,
    maxBatch: 500,
    onLedgerError: (error, entries) =>
      logger.error(
        { err: error, events: entries.length },
        "backfilled events are in Kafka but the dedup ledger write failed; their webhooks may be written twice",
      ),
  });
  const writer = new BackfillWriter({ log, appender: new EventAppender({ writer: log, registry }), now: () => now().getTime() });
  const runLog = new RunLog(db);

  const reconcilers = createReconcilers(config, { metrics, logger, now, overrides });

  const reconcilerFor = (source: SourceConfig): SourceReconciler | string =>
    missingApiAccess(source, config) ?? reconcilers.get(source.provider) ?? `provider ${source.provider} has no reconciler`;
  const sources = new Map(config.sources.map((source) => [source.name, source]));
  const { reconcilable, notReconcilable } = sortByReconcilable(config.sources, reconcilerFor);
  const reconcile = (name: string, request: ReconcileRequest = {}): Promise<RunResult> =>
    reconcileSource(name, request, {
      sources,
      reconcilerFor,
      writer,
      runLog,
      metrics,
      logger,
      overlapMs: config.RECONCILIATION_OVERLAP_MINUTES * 60_000,
      initialLookbackMs: config.RECONCILIATION_INITIAL_LOOKBACK_HOURS * 3_600_000,
      dedupRetentionMs: config.RECONCILIATION_DEDUP_RETENTION_HOURS * 3_600_000,
      notDryRunnable: (source) => notDryRunnable(source, config),
      now,
    });

  const schedule = createRoundSchedule({
    sources: reconcilable,
    reconcile,
    intervalMs: config.RECONCILIATION_INTERVAL_SECONDS * 1000,
    logger,
  });

  const server = createAdminServer({ adminTokens: config.HOOKLOG_ADMIN_TOKENS, reconcile, reconcilable, metrics, logger, now });
  // Said when the port opens, not at start: the CLI runs the service without serving it.
  if (config.HOOKLOG_ADMIN_TOKENS.length === 0)
    server.once("listening", () => logger.warn("HOOKLOG_ADMIN_TOKENS is not set: POST /reconcile refuses every request until it is"));

  return {
    server,
    reconcilable,
    notReconcilable,
    reconcile,
    async start(options = {}) {
      // The dedup ledger it shares with ingest, then its own checkpoints and run log.
      await migrateLatest(db, [eventLogMigrations, reconciliationMigrations]);
      await producer.connect();
      for (const [source, reason] of notReconcilable) logger.info({ source }, `not reconciled: ${reason}`);
      if (reconcilable.length === 0) logger.warn("no source can be reconciled: each source's reason is logged above");
      if ((options.schedule ?? true) && config.RECONCILIATION_INTERVAL_SECONDS > 0 && reconcilable.length > 0) schedule.start(0);
    },
    async stop() {
      await schedule.stop();
      await log.drain();
      await producer.disconnect();
      await db.destroy();
    },
  };
}

/**
 * One reconciler per provider whose API credentials are set; the provider module builds it. All share
 * one retry policy from config, and one listener that counts and logs each retry.
 */
function createReconcilers(
  config: ReconciliationConfig,
  deps: { metrics: ReconciliationMetrics; logger: Logger; now: () => Date; overrides: ServiceOverrides },
): Map<ProviderName, SourceReconciler> {
  const { metrics, logger, now, overrides } = deps;
  const retry: RetryPolicy = {
    maxAttempts: config.RECONCILIATION_MAX_ATTEMPTS,
    baseDelayMs: config.RECONCILIATION_BACKOFF_BASE_MS,
    maxWaitMs: config.RECONCILIATION_MAX_WAIT_SECONDS * 1000,
    sleep: overrides.sleep ?? sleep,
    random: overrides.random ?? Math.random,
  };
  const onRetry: RetryListener = ({ operation, failure, delayMs, attempt }) => {
    metrics.apiRetries.inc({ provider: failure.provider, reason: failure.reason });
    logger.warn(
      { provider: failure.provider, operation, status: failure.status, requestId: failure.requestId, reason: failure.reason, attempt, delayMs },
      `${failure.provider} API call failed (${failure.message}); retrying`,
    );
  };
  const reconcilers = new Map<ProviderName, SourceReconciler>();
  for (const [provider, access] of config.apiAccess) {
    const reconciler = access.createReconciler({ retry, onRetry, logger, now: () => now().getTime() });
    if (reconciler) reconcilers.set(provider, reconciler);
  }
  return reconcilers;
}

/** Splits the sources into those a reconciler can take and the others, each with why not. */
function sortByReconcilable(
  sources: readonly SourceConfig[],
  reconcilerFor: (source: SourceConfig) => SourceReconciler | string,
): { reconcilable: string[]; notReconcilable: Map<string, string> } {
  const reconcilable: string[] = [];
  const notReconcilable = new Map<string, string>();
  for (const source of sources) {
    const reconciler = reconcilerFor(source);
    if (typeof reconciler === "string") notReconcilable.set(source.name, reconciler);
    else reconcilable.push(source.name);
  }
  return { reconcilable, notReconcilable };
}

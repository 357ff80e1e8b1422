import { adminTokens, bindHost, loadConfig, z } from "@hooklog/config";
import { providerModule, providerNames, type ApiAccess, type ProviderName } from "@hooklog/providers";
import { loadSources, type SourceConfig } from "@hooklog/sources";

export interface ReconciliationConfig extends ReturnType<typeof loadReconciliationSettings> {
  sources: readonly SourceConfig[];
  /** Each provider with an API, its access as the environment configures it (credentials may be unset). */
  apiAccess: ReadonlyMap<ProviderName, ApiAccess>;
}

function loadReconciliationSettings(env: NodeJS.ProcessEnv) {
  return loadConfig(
    "reconciliation",
    {
      /** The admin endpoint: POST /reconcile, GET /healthz, GET /metrics. */
      RECONCILIATION_PORT: z.coerce.number().int().min(0).max(65535).default(3104),
      RECONCILIATION_HOST: bindHost,
      /** POST /reconcile answers only a request bearing one of these; unset, it refuses every request. */
      HOOKLOG_ADMIN_TOKENS: adminTokens,
      /** Every reconcilable source runs this often; 0 runs sources only on demand (POST /reconcile, the CLI). */
      RECONCILIATION_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
      /** Each run starts this long before the checkpoint: events are listed by creation time, and a late-created one is still caught. */
      RECONCILIATION_OVERLAP_MINUTES: z.coerce.number().int().min(0).default(10),
      /** Where a source's first run starts when it has no checkpoint yet. */
      RECONCILIATION_INITIAL_LOOKBACK_HOURS: z.coerce.number().int().min(1).default(24),
      /** Keep equal to INGEST_DEDUP_RETENTION_HOURS: how far back the shared ledger answers "already in the log". */
      RECONCILIATION_DEDUP_RETENTION_HOURS: z.coerce.number().int().min(72).default(168),
      /** Attempts per API request when the provider rate-limits or fails transiently (1 = no retry). */
      RECONCILIATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
      /**
       * First backoff delay for 429s and 5xx that name no wait of their own. Stripe: doubles per
       * attempt, with jitter. GitHub: the Octokit retry plugin's base × attempt², without jitter.
       */
      RECONCILIATION_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(500),
      /** A provider asking us to wait longer than this (a primary rate limit resetting in 40 minutes) fails the run; the next run resumes. */
      RECONCILIATION_MAX_WAIT_SECONDS: z.coerce.number().int().min(1).default(120),
    },
    env,
  );
}

/** Every provider module with an API reads its own settings (credentials, endpoint) from the environment. */
function loadApiAccess(env: NodeJS.ProcessEnv): Map<ProviderName, ApiAccess> {
  const access = new Map<ProviderName, ApiAccess>();
  for (const name of providerNames) {
    const reconciliation = providerModule(name).reconciliation;
    if (reconciliation) access.set(name, reconciliation.loadAccess("reconciliation", env));
  }
  return access;
}

/** Every setting of reconciliation, validated once at start; the sources come from hooklog.config.yaml. */
export function loadReconciliationConfig(env: NodeJS.ProcessEnv = process.env): ReconciliationConfig {
  return { ...loadReconciliationSettings(env), sources: loadSources(env), apiAccess: loadApiAccess(env) };
}

/** Why a source cannot be reconciled with this configuration, or undefined when it can. */
export function missingApiAccess(source: SourceConfig, config: Pick<ReconciliationConfig, "apiAccess">): string | undefined {
  const access = config.apiAccess.get(source.provider);
  return access ? access.missing(source) : `provider ${source.provider} has no API to reconcile against`;
}

/** Why a dry run of `source` cannot be held to writing nothing, or undefined when it can: its provider module says. */
export function notDryRunnable(source: SourceConfig, config: Pick<ReconciliationConfig, "apiAccess">): string | undefined {
  return config.apiAccess.get(source.provider)?.notDryRunnable?.(source);
}

import { ConfigError, loadConfig, z } from "@hooklog/config";
import { loadSources, type SourceConfig } from "@hooklog/sources";

/** Stripe's SDK takes host, port and protocol, not a URL; a path cannot be set (it always calls /v1/...). */
export interface StripeEndpoint {
  host: string;
  port: number;
  protocol: "http" | "https";
}

export interface ReconciliationConfig extends ReturnType<typeof loadReconciliationSettings> {
  sources: readonly SourceConfig[];
  stripeEndpoint: StripeEndpoint | undefined;
}

const apiBase = (example: string) =>
  z
    .url({ protocol: /^https?$/, error: `expected an http(s) URL such as ${example}` })
    .transform((value) => value.replace(/\/+$/, ""));

function loadReconciliationSettings(env: NodeJS.ProcessEnv) {
  return loadConfig(
    "reconciliation",
    {
      /** The admin endpoint: POST /reconcile, GET /healthz, GET /metrics. */
      RECONCILIATION_PORT: z.coerce.number().int().min(0).max(65535).default(3104),
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
      /** First backoff delay for Stripe 429s and 5xx; doubles per attempt, with full jitter. */
      RECONCILIATION_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(500),
      /** A provider asking us to wait longer than this (a primary rate limit resetting in 40 minutes) fails the run; the next run resumes. */
      RECONCILIATION_MAX_WAIT_SECONDS: z.coerce.number().int().min(1).default(120),
      /** redeliver: ask GitHub to deliver a failed delivery again; fetch: write its payload to the log ourselves. */
      RECONCILIATION_GITHUB_MODE: z.enum(["redeliver", "fetch"]).default("redeliver"),
      /** A secret or restricted key (sk_... / rk_...) that may list events; Stripe sources are reconciled only when it is set. */
      STRIPE_API_KEY: z.string().regex(/^(sk|rk)_\w+$/, "expected a Stripe secret or restricted key (sk_... or rk_...) with read access to Events").optional(),
      STRIPE_API_BASE: apiBase("https://api.stripe.com").optional(),
      /** A token that may read and redeliver repository webhook deliveries; GitHub sources are reconciled only when it is set. */
      GITHUB_TOKEN: z.string().min(1).optional(),
      GITHUB_API_BASE: apiBase("https://api.github.com").default("https://api.github.com"),
    },
    env,
  );
}

function stripeEndpoint(base: string | undefined): StripeEndpoint | undefined {
  if (base === undefined) return undefined;
  const url = new URL(base);
  if (url.pathname !== "/" || url.search !== "") {
    throw new ConfigError("reconciliation", [`STRIPE_API_BASE: must be scheme://host[:port] without a path (got ${base}); the Stripe SDK always calls /v1/... on it`]);
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: url.port === "" ? (protocol === "http" ? 80 : 443) : Number(url.port), protocol };
}

/** Every setting of reconciliation, validated once at start; the sources come from hooklog.config.yaml. */
export function loadReconciliationConfig(env: NodeJS.ProcessEnv = process.env): ReconciliationConfig {
  const settings = loadReconciliationSettings(env);
  return { ...settings, sources: loadSources(env), stripeEndpoint: stripeEndpoint(settings.STRIPE_API_BASE) };
}

/** Why a source cannot be reconciled with this configuration, or undefined when it can. */
export function missingApiAccess(source: SourceConfig, config: Pick<ReconciliationConfig, "STRIPE_API_KEY" | "GITHUB_TOKEN">): string | undefined {
  switch (source.provider) {
    case "stripe":
      return config.STRIPE_API_KEY ? undefined : "set STRIPE_API_KEY to reconcile Stripe sources";
    case "github":
      if (!config.GITHUB_TOKEN) return "set GITHUB_TOKEN to reconcile GitHub sources";
      return source.githubHooks.length > 0 ? undefined : `list the source's webhooks under githubHooks: [{ owner, repo, hookId }] in hooklog.config.yaml`;
    case "standard-webhooks":
    case "hmac":
      return `provider ${source.provider} has no API to reconcile against`;
    default: {
      const unknown: never = source.provider;
      throw new Error(`unknown provider ${String(unknown)}`);
    }
  }
}

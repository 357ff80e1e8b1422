import { loadConfig, z } from "@hooklog/config";
import { loadSources, type SourceConfig } from "@hooklog/sources";

export interface IngestConfig extends ReturnType<typeof loadIngestSettings> {
  sources: readonly SourceConfig[];
}

function loadIngestSettings(env: NodeJS.ProcessEnv) {
  return loadConfig(
    "ingest",
    {
      INGEST_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
      /** Most events one Kafka produce request carries; requests arriving meanwhile share it. */
      INGEST_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(500),
      /** Most bytes of events in one produce request (Kafka's default record batch limit); a larger event goes alone. */
      INGEST_BATCH_MAX_BYTES: z.coerce
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      /**
       * Most bytes of events ingest holds while they wait for Kafka; past it a request is answered
       * 503 overloaded at once, so a stalled Kafka cannot make ingest grow until it dies.
       */
      INGEST_MAX_PENDING_BYTES: z.coerce
        .number()
        .int()
        .min(1024 * 1024)
        .default(64 * 1024 * 1024),
      /** How long a request waits for Kafka's ack before it is answered 503 (the provider retries). */
      INGEST_PRODUCE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
      /** Deduplication keeps accepted ids this long; providers redeliver for up to 3 days (Stripe). */
      INGEST_DEDUP_RETENTION_HOURS: z.coerce.number().int().min(72).default(168),
      INGEST_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    },
    env,
  );
}

/** Every setting of ingest, validated once at start; sources and their secrets come from hooklog.config.yaml and the environment. */
export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const settings = loadIngestSettings(env);
  const sources = loadSources(env);
  const unsigned = sources.filter((source) => source.secrets.length === 0);
  if (unsigned.length > 0) {
    throw new Error(
      `ingest: no webhook secret for ${unsigned.map((source) => `${source.name} (set ${source.secretEnvVar})`).join(", ")}. ` +
        "Several secrets may be given comma-separated while rotating.",
    );
  }
  return { ...settings, sources };
}

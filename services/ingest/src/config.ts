import { bindHost, loadConfig, z } from "@hooklog/config";
import { isIP } from "node:net";
import { loadSources, type SourceConfig } from "@hooklog/sources";

export interface IngestConfig extends ReturnType<typeof loadIngestSettings> {
  sources: readonly SourceConfig[];
}

const port = z.coerce.number().int().min(0).max(65535);

/** express's names for address ranges a `trust proxy` list may use. */
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** An address, a CIDR, or one of express's range names: what a `trust proxy` list holds. */
function isProxyAddress(entry: string): boolean {
  const [address = "", bits, ...more] = entry.split("/");
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const family = isIP(address);
  if (family === 0 || more.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** "false"/"true", a hop count, or addresses, CIDRs and express's range names ("loopback"), comma-separated. */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (value) => /^(true|false|\d+)$/.test(value) || value.split(",").every((entry) => isProxyAddress(entry.trim())),
    "expected false, true, a hop count, or addresses, CIDRs and loopback/linklocal/uniquelocal, comma-separated",
  )
  .transform((value): boolean | number | string => {
    if (value === "false") return false;
    if (value === "true") return true;
    return /^\d+$/.test(value) ? Number(value) : value;
  });

function loadIngestSettings(env: NodeJS.ProcessEnv) {
  return loadConfig(
    "ingest",
    {
      /** The public port: POST /webhooks/:source and GET /healthz, nothing else. */
      INGEST_PORT: port.default(3000),
      INGEST_HOST: bindHost.default("0.0.0.0"),
      /** /metrics and /readyz, for Prometheus and the orchestrator: off the public interface by default. */
      INGEST_OPS_PORT: port.default(9464),
      INGEST_OPS_HOST: bindHost,
      /**
       * Express's `trust proxy`: off, so the client address is the peer's. Behind a proxy, name it
       * ("loopback", a CIDR list, or a hop count) and X-Forwarded-For gives each client its own budget.
       */
      INGEST_TRUST_PROXY: trustProxy.default(false),
      /** Every client address's budget of requests that fail verification (sustained, and at once); past it 429. */
      INGEST_UNVERIFIED_PER_CLIENT_PER_SECOND: z.coerce.number().positive().default(10),
      INGEST_UNVERIFIED_BURST: z.coerce.number().int().min(1).default(100),
      /** A burst of rejections is logged as one line per source per this many seconds. */
      INGEST_REJECTION_LOG_SECONDS: z.coerce.number().int().min(1).default(60),
      /**
       * Node's server bounds: headers must arrive within this (408)... Generous: Node judges them
       * when its event loop comes round, so a loop stalled under load must not turn a delivery
       * already in the kernel's buffers into a 408 (a faults run on a starved machine saw that at 10 s).
       */
      INGEST_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
      /** ...and the whole request, body included, within this (408). */
      INGEST_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
      /** An idle keep-alive connection is closed after this. */
      INGEST_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
      /** Header bytes (431 from Node past it) and header lines (431 too_many_headers) of one request. */
      INGEST_MAX_HEADER_BYTES: z.coerce
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024)
        .default(16 * 1024),
      INGEST_MAX_HEADERS: z.coerce.number().int().min(10).max(1000).default(100),
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
      /** Delivery records (one per inbound request) written per second per source, and as many at once; past it they are counted, not written. */
      INGEST_DELIVERY_LOG_RATE: z.coerce.number().positive().default(200),
      /** Where delivery records go: the topic named after the record, as for every domain record. */
      INGEST_DELIVERY_TOPIC: z.string().trim().min(1).default("hooklog.Delivery"),
      INGEST_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    },
    env,
  );
}

/** Every setting of ingest, validated once at start; sources and their secrets come from hooklog.config.yaml and the environment. */
export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const settings = loadIngestSettings(env);
  // Node refuses to start a server otherwise.
  if (settings.INGEST_HEADERS_TIMEOUT_MS > settings.INGEST_REQUEST_TIMEOUT_MS) {
    throw new Error("ingest: INGEST_HEADERS_TIMEOUT_MS must not be larger than INGEST_REQUEST_TIMEOUT_MS");
  }
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

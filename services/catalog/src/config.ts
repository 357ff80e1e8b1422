import { bindHost, loadConfig, z } from "@hooklog/config";

/** Every setting of the catalog, validated once at start. */
export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "catalog",
    {
      /** GET /healthz and GET /metrics. */
      CATALOG_PORT: z.coerce.number().int().min(0).max(65535).default(3105),
      CATALOG_HOST: bindHost,
      /** Consumer group hooklog.<name>, retry topics <name>.retry.<n>, dead letters <name>.dlq. */
      CATALOG_CONSUMER_NAME: z
        .string()
        .regex(/^[a-z][a-z0-9-]{1,62}$/, "lower-case letters, digits and '-'")
        .default("catalog"),
      /** The topic of hooklog.Delivery records ingest writes, one per inbound request. */
      CATALOG_DELIVERIES_TOPIC: z.string().min(1).default("hooklog.Delivery"),
      /** Payloads older than this many days are dropped from the catalog (the log keeps them); the row and its search terms stay. */
      CATALOG_PAYLOAD_RETENTION_DAYS: z.coerce.number().positive().default(30),
      /** Deliveries received longer ago than this many days are deleted from the catalog: the deliveries topic's retention. */
      CATALOG_DELIVERY_RETENTION_DAYS: z.coerce.number().positive().default(7),
      /** How often the prune of old payloads runs (it also runs at start). */
      CATALOG_PRUNE_INTERVAL_MINUTES: z.coerce.number().positive().default(60),
      /** Delay before the second attempt of a failed event; doubles for each further one. */
      CATALOG_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(1000),
    },
    env,
  );
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

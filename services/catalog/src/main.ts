// Composition root of the catalog: config, then the kit runs the consumer (migrate, consume, serve
// /healthz and /metrics, drain on SIGTERM), and old payloads are pruned beside it.
import { runConsumerService } from "@hooklog/consumer-kit";
import { connectDatabase } from "@hooklog/db";
import { createLogger } from "@hooklog/logging";
import { loadSources } from "@hooklog/sources";
import { catalogConsumer } from "./catalog-consumer.ts";
import { loadCatalogConfig } from "./config.ts";
import { catalogMigrations } from "@hooklog/event-catalog";
import { startPayloadPruner } from "./payload-retention.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

const config = loadCatalogConfig();
const sourceTopics = [...new Set(loadSources().map((source) => source.topic))];
const payloadRetentionMs = config.CATALOG_PAYLOAD_RETENTION_DAYS * DAY_MS;
await runConsumerService(
  {
    service: "catalog",
    port: config.CATALOG_PORT,
    host: config.CATALOG_HOST,
    settings: config,
    migrations: catalogMigrations,
  },
  () =>
    catalogConsumer({
      consumerName: config.CATALOG_CONSUMER_NAME,
      sourceTopics,
      deliveriesTopic: config.CATALOG_DELIVERIES_TOPIC,
      payloadRetentionMs,
      retryBaseDelayMs: config.CATALOG_RETRY_BASE_DELAY_MS,
    }),
);

// After the service started, so the tables are migrated. Old deliveries are deleted in the same runs. A prune cut by SIGTERM rolls back its batch;
// the next start prunes it again.
startPayloadPruner(connectDatabase(config.DATABASE_URL, { applicationName: "hooklog-catalog-prune", poolMax: 1 }), {
  retentionMs: payloadRetentionMs,
  deliveryRetentionMs: config.CATALOG_DELIVERY_RETENTION_DAYS * DAY_MS,
  intervalMs: config.CATALOG_PRUNE_INTERVAL_MINUTES * 60_000,
  logger: createLogger({ service: "catalog", level: config.LOG_LEVEL }),
});

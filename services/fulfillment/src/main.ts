// Composition root of fulfillment: config, then the kit runs the service (migrate, consume, serve
// /healthz and /metrics, drain on SIGTERM).
import { runConsumerService } from "@hooklog/consumer-kit";
import { loadFulfillmentConfig } from "./config.ts";
import { fulfillmentConsumer } from "./handlers.ts";
import { fulfillmentMigrations } from "./migrations/index.ts";

const config = loadFulfillmentConfig();
await runConsumerService(
  {
    service: "fulfillment",
    port: config.FULFILLMENT_PORT,
    host: config.FULFILLMENT_HOST,
    settings: config,
    migrations: fulfillmentMigrations,
  },
  () =>
    fulfillmentConsumer({
      consumerName: config.FULFILLMENT_CONSUMER_NAME,
      stripeTopic: config.FULFILLMENT_STRIPE_TOPIC,
      tasksTopicPrefix: config.FULFILLMENT_TASKS_TOPIC_PREFIX,
      retryBaseDelayMs: config.FULFILLMENT_RETRY_BASE_DELAY_MS,
    }),
);

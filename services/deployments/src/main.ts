// Composition root of deployments: config, wiring, consume, SIGTERM.
import { serveOperations, startConsumer } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest } from "@hooklog/db";
import { createLogger } from "@hooklog/logging";
import { shutdownTelemetry } from "@hooklog/telemetry";
import { loadDeploymentsConfig } from "./config.ts";
import { createDeploymentsConsumer } from "./deployments-consumer.ts";
import { createGithubDeployments } from "./github-deployments.ts";

const config = loadDeploymentsConfig();
const logger = createLogger({ service: "deployments", level: config.LOG_LEVEL });
const db = connectDatabase(config.DATABASE_URL, { applicationName: "hooklog-deployments" });
await migrateLatest(db);

const github = createGithubDeployments({
  token: config.GITHUB_TOKEN,
  baseUrl: config.GITHUB_API_BASE,
  timeoutMs: config.DEPLOYMENTS_HTTP_TIMEOUT_MS,
  logger,
});
const definition = createDeploymentsConsumer({
  name: config.DEPLOYMENTS_CONSUMER_NAME,
  githubTopic: config.DEPLOYMENTS_GITHUB_TOPIC,
  retryBaseDelayMs: config.DEPLOYMENTS_RETRY_BASE_DELAY_MS,
  github,
});
const consumer = await startConsumer(definition, { kafkaBrokers: config.KAFKA_BROKERS, schemaRegistryUrl: config.SCHEMA_REGISTRY_URL, db, logger });
const server = await serveOperations(consumer.metrics.registry, config.DEPLOYMENTS_PORT).catch((error: NodeJS.ErrnoException) => {
  logger.fatal({ err: error }, error.code === "EADDRINUSE" ? `port ${config.DEPLOYMENTS_PORT} is taken: set DEPLOYMENTS_PORT to a free port` : "deployments could not listen");
  process.exit(1);
});
logger.info({ port: config.DEPLOYMENTS_PORT, consumer: definition.name, topic: config.DEPLOYMENTS_GITHUB_TOPIC }, "deployments consuming");

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping: finishing the batch in hand, committing, disconnecting");
  const force = setTimeout(() => {
    logger.error("did not stop in time; exiting");
    process.exit(1);
  }, 30_000);
  force.unref();
  await consumer.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.destroy();
  await shutdownTelemetry();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

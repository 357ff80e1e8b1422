import { connectDatabase, migrateLatest } from "@hooklog/db";
import { createLogger, type Logger } from "@hooklog/logging";
import { shutdownTelemetry } from "@hooklog/telemetry";
import type { ConsumerDefinition } from "./definition.ts";
import { serveOperations } from "./operations.ts";
import { startConsumer } from "./runner.ts";

export interface ConsumerServiceOptions {
  /** The service's name in logs, e.g. fulfillment. */
  service: string;
  port: number;
  kafkaBrokers: readonly string[];
  schemaRegistryUrl: string;
  databaseUrl: string;
  logLevel: string;
  shutdownGraceMs?: number;
}

/**
 * Everything a consumer service's main.ts does besides reading its config: Postgres migrated, the
 * consumer started, /healthz and /metrics served, SIGTERM drained (the batch in hand finishes and
 * commits, the outbox is relayed) before exit.
 */
export async function runConsumerService(options: ConsumerServiceOptions, build: (deps: { logger: Logger }) => ConsumerDefinition): Promise<void> {
  const logger = createLogger({ service: options.service, level: options.logLevel });
  const db = connectDatabase(options.databaseUrl, { applicationName: `hooklog-${options.service}` });
  await migrateLatest(db);
  const definition = build({ logger });
  const consumer = await startConsumer(definition, { kafkaBrokers: options.kafkaBrokers, schemaRegistryUrl: options.schemaRegistryUrl, db, logger });
  const server = await serveOperations(consumer.metrics.registry, options.port).catch((error: NodeJS.ErrnoException) => {
    logger.fatal({ err: error }, error.code === "EADDRINUSE" ? `port ${options.port} is taken: set ${options.service.toUpperCase()}_PORT to a free port` : `${options.service} could not listen`);
    process.exit(1);
  });
  logger.info({ port: options.port, consumer: definition.name, topics: definition.subscriptions.map((subscription) => subscription.topic) }, `${options.service} consuming`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing the batch in hand, relaying the outbox");
    setTimeout(() => {
      logger.error("did not stop in time; exiting");
      process.exit(1);
    }, options.shutdownGraceMs ?? 30_000).unref();
    await consumer.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.destroy();
    await shutdownTelemetry();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

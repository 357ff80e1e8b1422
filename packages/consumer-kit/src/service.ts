import { connectDatabase, migrateLatest } from "@hooklog/db";
import { createLogger, type Logger } from "@hooklog/logging";
import { closeServer, listenOrExit, stopOnSignals } from "@hooklog/lifecycle";
import type { ConsumerDefinition } from "./definition.ts";
import { operationsServer } from "./operations.ts";
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
  const server = operationsServer(consumer.metrics.registry);
  await listenOrExit(server, options.port, { logger, service: options.service, portVariable: `${options.service.toUpperCase()}_PORT` });
  logger.info({ port: options.port, consumer: definition.name, topics: definition.subscriptions.map((subscription) => subscription.topic) }, `${options.service} consuming`);

  stopOnSignals({
    logger,
    graceMs: options.shutdownGraceMs ?? 30_000,
    stopping: "finishing the batch in hand, relaying the outbox",
    stop: async () => {
      await consumer.stop();
      await closeServer(server);
      await db.destroy();
    },
  });
}

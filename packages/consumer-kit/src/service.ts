import type { CommonSettings } from "@hooklog/config";
import { connectDatabase, migrateLatest, type MigrationSet } from "@hooklog/db";
import { createLogger, type Logger } from "@hooklog/logging";
import { closeServer, listenOrExit, operationsServer, stopOnSignals } from "@hooklog/lifecycle";
import type { ConsumerDefinition } from "./definition.ts";
import { consumerKitMigrations } from "./migrations/index.ts";
import { startConsumer } from "./runner.ts";

export interface ConsumerServiceOptions {
  /** The service's name in logs, e.g. fulfillment. */
  service: string;
  port: number;
  /** The address the port binds to (<SERVICE>_HOST); loopback when not given. */
  host?: string;
  /** Where Kafka, the registry and Postgres are, and how much to log: the service's loaded config. */
  settings: Pick<CommonSettings, "KAFKA_BROKERS" | "SCHEMA_REGISTRY_URL" | "DATABASE_URL" | "LOG_LEVEL">;
  shutdownGraceMs?: number;
  /** The service's own tables, migrated after the kit's at start; none when it keeps no state of its own. */
  migrations?: MigrationSet;
}

/**
 * Everything a consumer service's main.ts does besides reading its config: Postgres migrated, the
 * consumer started, /healthz and /metrics served, SIGTERM drained (the batch in hand finishes and
 * commits, the outbox is relayed) before exit.
 */
export async function runConsumerService(options: ConsumerServiceOptions, build: (deps: { logger: Logger }) => ConsumerDefinition): Promise<void> {
  const { settings } = options;
  const logger = createLogger({ service: options.service, level: settings.LOG_LEVEL });
  const db = connectDatabase(settings.DATABASE_URL, { applicationName: `hooklog-${options.service}` });
  await migrateLatest(db, options.migrations ? [consumerKitMigrations, options.migrations] : [consumerKitMigrations]);
  const definition = build({ logger });
  const consumer = await startConsumer(definition, { kafkaBrokers: settings.KAFKA_BROKERS, schemaRegistryUrl: settings.SCHEMA_REGISTRY_URL, db, logger });
  const server = operationsServer({
    registry: consumer.metrics.registry,
    onError: (error, route) => logger.error({ err: error, route }, "operations request failed"),
  });
  const host = options.host ?? "127.0.0.1";
  await listenOrExit(server, options.port, { logger, service: options.service, portVariable: `${options.service.toUpperCase()}_PORT`, host });
  logger.info(
    { host, port: options.port, consumer: definition.name, topics: definition.subscriptions.map((subscription) => subscription.topic) },
    `${options.service} consuming`,
  );

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

// Composition root of the routes service: its settings, the routes of hooklog.config.yaml, one kit
// consumer per route and destination, /healthz and /metrics, and a drain on SIGTERM.
import { createConsumerMetrics, consumerKitMigrations, startConsumer, type RunningConsumer } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest } from "@hooklog/db";
import { closeServer, listenOrExit, operationsServer, stopOnSignals } from "@hooklog/lifecycle";
import { createLogger } from "@hooklog/logging";
import { loadRoutes, pruneDeliveryAttempts, recordDeliveryAttempt, resetCircuits, routesMigrations } from "@hooklog/routes";
import { defaultConfigPath, loadSources } from "@hooklog/sources";
import { createTransport } from "nodemailer";
import { CircuitLog } from "./circuit-log.ts";
import { loadRoutesServiceConfig } from "./config.ts";
import type { MailSender } from "./deliver.ts";
import { routeConsumers } from "./route-consumers.ts";

const config = loadRoutesServiceConfig();
const logger = createLogger({ service: "routes", level: config.LOG_LEVEL });
const { sources, routes } = (() => {
  try {
    const sources = loadSources();
    return {
      sources,
      routes: loadRoutes(process.env.HOOKLOG_CONFIG ?? defaultConfigPath, { sources: sources.map((source) => source.name), env: process.env }),
    };
  } catch (error) {
    // A wrong route is the user's to fix: its message names the route and the field, and no stack helps.
    logger.error({ code: (error as { code?: string }).code }, (error as Error).message);
    process.exit(1);
  }
})();
const topics = new Map(sources.map((source) => [source.name, source.topic]));
if (routes.some((route) => route.destinations.some((destination) => destination.kind === "email")) && !config.SMTP_URL) {
  logger.error("an email destination needs SMTP_URL (smtp://user:password@host:port); set it, or take the email destination out");
  process.exit(1);
}
const transport = config.SMTP_URL ? createTransport(config.SMTP_URL) : undefined;
const sendMail: MailSender | undefined = transport
  ? async (mail) => {
      const info = (await transport.sendMail(mail)) as { messageId: string };
      return { messageId: info.messageId };
    }
  : undefined;

const db = connectDatabase(config.DATABASE_URL, { applicationName: "hooklog-routes" });
await migrateLatest(db, [consumerKitMigrations, routesMigrations]);
const circuits = new CircuitLog(db, config.ROUTES_CONSUMER_PREFIX, logger);
const definitions = routeConsumers(routes, {
  prefix: config.ROUTES_CONSUMER_PREFIX,
  topicOf: (source) => topics.get(source) as string,
  retryBaseDelayMs: config.ROUTES_RETRY_BASE_DELAY_MS,
  sendMail,
  recordAttempt: (attempt) =>
    recordDeliveryAttempt(db, attempt).catch((error: unknown) =>
      logger.error({ err: error, route: attempt.route, destination: attempt.destination, eventId: attempt.eventId }, "a delivery attempt was not recorded"),
    ),
  circuitEvents: (route, destination) => circuits.events(route, destination),
});
await resetCircuits(
  db,
  config.ROUTES_CONSUMER_PREFIX,
  definitions.map((definition) => definition.name),
);
// Attempts are kept ROUTES_ATTEMPT_RETENTION_HOURS: pruned now, then every ten minutes.
const prune = (): Promise<void> =>
  pruneDeliveryAttempts(db, config.ROUTES_ATTEMPT_RETENTION_HOURS).then(
    (deleted) => {
      if (deleted > 0) logger.info({ deleted }, "delivery attempts past their retention deleted");
    },
    (error: unknown) => logger.error({ err: error }, "delivery attempts past their retention could not be deleted; trying again in ten minutes"),
  );
await prune();
const pruning = setInterval(() => void prune(), 10 * 60_000);
pruning.unref();
const metrics = createConsumerMetrics();
const consumers: RunningConsumer[] = [];
for (const definition of definitions) {
  consumers.push(await startConsumer(definition, { kafkaBrokers: config.KAFKA_BROKERS, schemaRegistryUrl: config.SCHEMA_REGISTRY_URL, db, logger, metrics }));
}
const server = operationsServer({ registry: metrics.registry, onError: (error, route) => logger.error({ err: error, route }, "operations request failed") });
await listenOrExit(server, config.ROUTES_PORT, { logger, service: "routes", portVariable: "ROUTES_PORT", host: config.ROUTES_HOST });
logger.info(
  {
    host: config.ROUTES_HOST,
    port: config.ROUTES_PORT,
    routes: routes.map((route) => route.name),
    consumers: definitions.map((definition) => definition.name),
  },
  routes.length === 0 ? "routes: none in hooklog.config.yaml; serving /healthz only" : "routes consuming",
);

stopOnSignals({
  logger,
  graceMs: 30_000,
  stopping: "finishing each destination's batch in hand",
  stop: async () => {
    clearInterval(pruning);
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await closeServer(server);
    transport?.close();
    await circuits.settle();
    await db.destroy();
  },
});

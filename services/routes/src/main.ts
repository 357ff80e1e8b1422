// Composition root of the routes service: its settings, the routes of hooklog.config.yaml, one kit
// consumer per route and destination, /healthz and /metrics, and a drain on SIGTERM.
import { createConsumerMetrics, consumerKitMigrations, startConsumer, type RunningConsumer } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest } from "@hooklog/db";
import { closeServer, listenOrExit, operationsServer, stopOnSignals } from "@hooklog/lifecycle";
import { createLogger } from "@hooklog/logging";
import { loadRoutes, recordCircuit, recordDeliveryAttempt, routeConsumerName, routesMigrations } from "@hooklog/routes";
import { defaultConfigPath, loadSources } from "@hooklog/sources";
import { createTransport } from "nodemailer";
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
const definitions = routeConsumers(routes, {
  prefix: config.ROUTES_CONSUMER_PREFIX,
  topicOf: (source) => topics.get(source) as string,
  retryBaseDelayMs: config.ROUTES_RETRY_BASE_DELAY_MS,
  sendMail,
  recordAttempt: (attempt) =>
    recordDeliveryAttempt(db, attempt).catch((error: unknown) =>
      logger.error({ err: error, route: attempt.route, destination: attempt.destination, eventId: attempt.eventId }, "a delivery attempt was not recorded"),
    ),
  circuitEvents: (route, destination) => {
    // Written for hooklog routes list and the console; a write that fails is logged, the circuit works on.
    const write = (open: boolean, failures: number, lastError: string | null): void => {
      recordCircuit(db, {
        consumer: routeConsumerName(config.ROUTES_CONSUMER_PREFIX, route, destination),
        route,
        destination,
        open,
        failures,
        lastError,
      }).catch((error: unknown) => logger.error({ err: error, route, destination }, "a circuit's state was not recorded"));
    };
    return {
      opened: (failures, probeMs, error) => {
        logger.warn(
          { route, destination, failures, probeMs, err: error },
          `${route}/${destination}: ${failures} deliveries failed in a row; pausing its deliveries, probing every ${probeMs / 1000} s or more`,
        );
        write(true, failures, error.message);
      },
      closed: (pausedMs) => {
        logger.info({ route, destination, pausedMs }, `${route}/${destination}: delivered again; deliveries resume in order`);
        write(false, 0, null);
      },
    };
  },
});
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
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await closeServer(server);
    transport?.close();
    await db.destroy();
  },
});

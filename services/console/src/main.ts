// Composition root of the console: config, Postgres migrated, the app served; SIGTERM closes it.
import { connectDatabase, migrateLatest } from "@hooklog/db";
import { closeServer, listenOrExit, stopOnSignals } from "@hooklog/lifecycle";
import { createLogger } from "@hooklog/logging";
import { loadSources } from "@hooklog/sources";
import { createServer } from "node:http";
import { createConsoleApp } from "./app.ts";
import { ActionLog } from "./audit.ts";
import { SessionStore } from "./auth/sessions.ts";
import { tokenCheck } from "./auth/tokens.ts";
import { loadConsoleConfig } from "./config.ts";
import { payloadFromLog } from "./events/log-payload.ts";
import { endAllStreams } from "./events/stream.ts";
import { createConsoleMetrics } from "./metrics.ts";
import type { ConsoleDeps } from "./deps.ts";
import { startLagHistory } from "./lag-history.ts";
import { consoleMigrations } from "./migrations/index.ts";

const config = loadConsoleConfig();
const logger = createLogger({ service: "console", level: config.LOG_LEVEL });
if (config.HOOKLOG_ADMIN_TOKENS.length === 0) logger.warn("HOOKLOG_ADMIN_TOKENS is empty: nobody can sign in to the console or use its API");
const db = connectDatabase(config.DATABASE_URL, { applicationName: "hooklog-console" });
await migrateLatest(db, [consoleMigrations]);

const deps: ConsoleDeps = {
  db,
  kafkaBrokers: config.KAFKA_BROKERS,
  sources: loadSources(),
  tokens: tokenCheck(config.HOOKLOG_ADMIN_TOKENS),
  sessions: new SessionStore({ idleMs: config.CONSOLE_SESSION_IDLE_MINUTES * 60_000 }),
  actions: new ActionLog(db),
  traceUrl: config.HOOKLOG_TRACE_URL,
  payloadFromLog: payloadFromLog({ kafkaBrokers: config.KAFKA_BROKERS, schemaRegistryUrl: config.SCHEMA_REGISTRY_URL }),
  reconciliation: { url: config.HOOKLOG_RECONCILIATION_URL, token: config.HOOKLOG_ADMIN_TOKENS[0]?.token },
  logger,
  metrics: createConsoleMetrics(),
  trustProxy: config.CONSOLE_TRUST_PROXY,
};
const server = createServer(createConsoleApp(deps));
// Lag is sampled from the start: the consumer pages chart it from then on.
const lagHistory = startLagHistory(deps);
await listenOrExit(server, config.CONSOLE_PORT, { logger, service: "console", portVariable: "CONSOLE_PORT", host: config.CONSOLE_HOST });
logger.info({ url: `http://${config.CONSOLE_HOST}:${config.CONSOLE_PORT}/` }, "console serving");

stopOnSignals({
  logger,
  graceMs: 10_000,
  stopping: "closing the console",
  stop: async () => {
    // Live lists hold their connections open: ended first, or closing would wait for every tab.
    endAllStreams();
    await closeServer(server);
    await lagHistory.stop();
    await db.destroy();
  },
});

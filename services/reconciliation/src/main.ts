// Composition root of reconciliation: config, wiring, listen, schedule, SIGTERM.
import { createLogger } from "@hooklog/logging";
import { shutdownTelemetry } from "@hooklog/telemetry";
import { loadReconciliationConfig } from "./config.ts";
import { createReconciliationService } from "./service.ts";

/** A run in hand gets this long to finish on SIGTERM; an unfinished run leaves its checkpoint, so the next one redoes it. */
const SHUTDOWN_GRACE_MS = 60_000;

const config = loadReconciliationConfig();
const logger = createLogger({ service: "reconciliation", level: config.LOG_LEVEL });
const service = createReconciliationService(config, logger);
await service.start();

service.server.listen(config.RECONCILIATION_PORT, () => {
  logger.info({ port: config.RECONCILIATION_PORT, sources: service.reconcilable, intervalSeconds: config.RECONCILIATION_INTERVAL_SECONDS }, "reconciliation listening");
});
service.server.on("error", (error: NodeJS.ErrnoException) => {
  logger.fatal({ err: error }, error.code === "EADDRINUSE" ? `port ${config.RECONCILIATION_PORT} is taken: set RECONCILIATION_PORT to a free port` : "reconciliation could not listen");
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping: no new runs, finishing the run in hand");
  const force = setTimeout(() => {
    logger.error("the run in hand did not finish in time; exiting (its checkpoint stays, the next run redoes it)");
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  const closed = new Promise<void>((resolve) => service.server.close(() => resolve()));
  service.server.closeIdleConnections();
  await closed;
  await service.stop();
  await shutdownTelemetry();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

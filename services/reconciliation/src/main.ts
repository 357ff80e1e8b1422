// Composition root of reconciliation: config, wiring, listen, schedule, SIGTERM.
import { closeServer, listenOrExit, stopOnSignals } from "@hooklog/lifecycle";
import { createLogger } from "@hooklog/logging";
import { loadReconciliationConfig } from "./config.ts";
import { createReconciliationService } from "./service.ts";

/** A run in hand gets this long to finish on SIGTERM; an unfinished run leaves its checkpoint, so the next one redoes it. */
const SHUTDOWN_GRACE_MS = 60_000;

const config = loadReconciliationConfig();
const logger = createLogger({ service: "reconciliation", level: config.LOG_LEVEL });
const service = createReconciliationService(config, logger);
await service.start();

await listenOrExit(service.server, config.RECONCILIATION_PORT, {
  logger,
  service: "reconciliation",
  portVariable: "RECONCILIATION_PORT",
  host: config.RECONCILIATION_HOST,
});
logger.info(
  {
    host: config.RECONCILIATION_HOST,
    port: config.RECONCILIATION_PORT,
    sources: service.reconcilable,
    intervalSeconds: config.RECONCILIATION_INTERVAL_SECONDS,
  },
  "reconciliation listening",
);

stopOnSignals({
  logger,
  graceMs: SHUTDOWN_GRACE_MS,
  // The run in hand finishes or, past the grace period, is cut: its checkpoint stays and the next run redoes it.
  stopping: "no new runs, finishing the run in hand",
  stop: async () => {
    await closeServer(service.server);
    await service.stop();
  },
});

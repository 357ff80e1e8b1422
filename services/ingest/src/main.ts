// Composition root of ingest: config, wiring, listen on the public and the operations port, SIGTERM.
import { closeServer, listenOrExit, stopOnSignals } from "@hooklog/lifecycle";
import { createLogger } from "@hooklog/logging";
import { loadIngestConfig } from "./config.ts";
import { createIngestService } from "./service.ts";

const config = loadIngestConfig();
const logger = createLogger({ service: "ingest", level: config.LOG_LEVEL });
const service = createIngestService(config, logger);
await service.start();

await listenOrExit(service.operations, config.INGEST_OPS_PORT, { logger, service: "ingest", portVariable: "INGEST_OPS_PORT", host: config.INGEST_OPS_HOST });
await listenOrExit(service.server, config.INGEST_PORT, { logger, service: "ingest", portVariable: "INGEST_PORT", host: config.INGEST_HOST });
logger.info(
  {
    port: config.INGEST_PORT,
    host: config.INGEST_HOST,
    operations: `${config.INGEST_OPS_HOST}:${config.INGEST_OPS_PORT}`,
    sources: config.sources.map((source) => source.name),
  },
  "ingest listening",
);

stopOnSignals({
  logger,
  graceMs: config.INGEST_SHUTDOWN_GRACE_MS + 5000,
  stopping: "no new requests, finishing in-flight ones, flushing the producer",
  stop: async () => {
    await closeServer(service.server);
    await service.stop();
    await closeServer(service.operations);
  },
});

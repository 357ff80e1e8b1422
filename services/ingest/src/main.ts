// Composition root of ingest: config, wiring, listen, SIGTERM.
import { createLogger } from "@hooklog/logging";
import { shutdownTelemetry } from "@hooklog/telemetry";
import { loadIngestConfig } from "./config.ts";
import { createIngestService } from "./service.ts";

const config = loadIngestConfig();
const logger = createLogger({ service: "ingest", level: config.LOG_LEVEL });
const service = createIngestService(config, logger);
await service.start();

const server = service.app.listen(config.INGEST_PORT, () => {
  logger.info({ port: config.INGEST_PORT, sources: config.sources.map((source) => source.name) }, "ingest listening");
});
server.on("error", (error: NodeJS.ErrnoException) => {
  logger.fatal({ err: error }, error.code === "EADDRINUSE" ? `port ${config.INGEST_PORT} is taken: set INGEST_PORT to a free port` : "ingest could not listen");
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping: no new requests, finishing in-flight ones, flushing the producer");
  const force = setTimeout(() => {
    logger.error("in-flight requests did not finish in time; exiting");
    process.exit(1);
  }, config.INGEST_SHUTDOWN_GRACE_MS + 5000);
  force.unref();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.stop();
  await shutdownTelemetry();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

// Composition root of ingest: config, wiring, listen, SIGTERM.
import { createServer } from "node:http";
import { closeServer, listenOrExit, stopOnSignals } from "@hooklog/lifecycle";
import { createLogger } from "@hooklog/logging";
import { withServerSpans } from "@hooklog/telemetry";
import { ingestRoute } from "./app.ts";
import { loadIngestConfig } from "./config.ts";
import { createIngestService } from "./service.ts";

const config = loadIngestConfig();
const logger = createLogger({ service: "ingest", level: config.LOG_LEVEL });
const service = createIngestService(config, logger);
await service.start();

// Ingest makes its own server spans (package.json turns the http instrumentation off): see withServerSpans.
const server = createServer(withServerSpans(service.app, { route: ingestRoute }));
await listenOrExit(server, config.INGEST_PORT, { logger, service: "ingest", portVariable: "INGEST_PORT" });
logger.info({ port: config.INGEST_PORT, sources: config.sources.map((source) => source.name) }, "ingest listening");

stopOnSignals({
  logger,
  graceMs: config.INGEST_SHUTDOWN_GRACE_MS + 5000,
  stopping: "no new requests, finishing in-flight ones, flushing the producer",
  stop: async () => {
    await closeServer(server);
    await service.stop();
  },
});

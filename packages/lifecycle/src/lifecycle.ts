import type { Server } from "node:http";
import type { Logger } from "@hooklog/logging";
import { shutdownTelemetry } from "@hooklog/telemetry";

/**
 * Listens on `host`, loopback unless given (a port is never public by accident: containers pass their
 * <SERVICE>_HOST=0.0.0.0); a taken port ends the process with the variable to change.
 */
export function listenOrExit(server: Server, port: number, options: { logger: Logger; service: string; portVariable: string; host?: string }): Promise<void> {
  return new Promise((resolve) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      options.logger.fatal(
        { err: error },
        error.code === "EADDRINUSE" ? `port ${port} is taken: set ${options.portVariable} to a free port` : `${options.service} could not listen on ${port}`,
      );
      process.exit(1);
    });
    server.listen(port, options.host ?? "127.0.0.1", () => resolve());
  });
}

/**
 * SIGTERM or SIGINT runs `stop` once (a second signal does not cut it short), then flushes telemetry
 * and exits 0; if stopping takes longer than `graceMs`, the process exits 1.
 */
export function stopOnSignals(options: { logger: Logger; graceMs: number; stopping: string; stop: () => Promise<void> }): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ signal }, `stopping: ${options.stopping}`);
    setTimeout(() => {
      options.logger.error("did not stop in time; exiting");
      process.exit(1);
    }, options.graceMs).unref();
    await options.stop();
    await shutdownTelemetry();
    options.logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** Stops accepting connections and resolves once in-flight requests have finished; idle keep-alive sockets are closed. */
export function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  return closed;
}

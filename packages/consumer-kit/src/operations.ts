import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/** A consumer service's small HTTP face: GET /healthz and GET /metrics (Prometheus). */
export function operationsServer(registry: Registry): Server {
  return createServer((request, response) => {
    if (request.method === "GET" && request.url === "/healthz") {
      response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    if (request.method === "GET" && request.url === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found","message":"GET /healthz or /metrics"}}');
  });
}

// The admin endpoint: POST /reconcile runs a source now, for a request bearing an admin token; GET
// /healthz and GET /metrics for operations. node:http rather than express: three routes on a port
// that binds to loopback unless RECONCILIATION_HOST says otherwise.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { operationsServer } from "@hooklog/lifecycle";
import { z } from "@hooklog/config";
import type { Logger } from "@hooklog/logging";
import type { ReconciliationMetrics } from "./metrics.ts";
import type { RunResult } from "./run-result.ts";
import { HooklogError, parseSince } from "@hooklog/core";

export interface AdminDeps {
  /** HOOKLOG_ADMIN_TOKENS: none, and POST /reconcile refuses every request. */
  adminTokens: readonly string[];
  reconcile: (source: string, request: { since?: Date }) => Promise<RunResult>;
  metrics: ReconciliationMetrics;
  logger: Logger;
  now: () => Date;
}

const reconcileRequest = z.strictObject({ source: z.string().min(1), since: z.string().min(1).optional() });
const MAX_BODY_BYTES = 16 * 1024;

/** One HTTP status per way a run can end: a failed run is the provider's or Kafka's failure, reported with its summary. */
const STATUS: Record<Exclude<RunResult["status"], "rejected">, number> = { completed: 200, skipped: 409, failed: 502 };

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const sendError = (response: ServerResponse, status: number, code: string, message: string): void => send(response, status, { error: { code, message } });

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new SyntaxError("the body is larger than 16 KiB");
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
}

async function handleReconcile(request: IncomingMessage, response: ServerResponse, deps: AdminDeps): Promise<void> {
  let body: unknown;
  try {
    body = await readJson(request);
  } catch (error) {
    sendError(response, 400, "invalid_json", `The body must be JSON such as {"source":"<name>","since":"2h"}: ${(error as Error).message}`);
    return;
  }
  const parsed = reconcileRequest.safeParse(body);
  if (!parsed.success) {
    sendError(response, 400, "invalid_request", `Expected {"source": string, "since"?: "30m" | "2h" | "3d" | ISO time}: ${z.prettifyError(parsed.error)}`);
    return;
  }
  let since: Date | undefined;
  try {
    since = parsed.data.since === undefined ? undefined : parseSince(parsed.data.since, deps.now());
  } catch (error) {
    if (!(error instanceof HooklogError && error.code === "INVALID_SINCE")) throw error;
    sendError(response, 400, error.code.toLowerCase(), error.message);
    return;
  }
  const result = await deps.reconcile(parsed.data.source, since ? { since } : {});
  if (result.status === "rejected") {
    sendError(response, result.code === "unknown_source" ? 404 : 409, result.code, result.message);
    return;
  }
  send(response, STATUS[result.status], result);
}

/** Builds the admin server; main.ts only listens, so tests can drive it on a port of their own. */
export function createAdminServer(deps: AdminDeps): Server {
  return operationsServer({
    registry: deps.metrics.registry,
    adminRoutes: { "POST /reconcile": (request, response) => handleReconcile(request, response, deps) },
    adminTokens: deps.adminTokens,
    onError: (error, route) => deps.logger.error({ err: error, route }, "admin request failed"),
  });
}

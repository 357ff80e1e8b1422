// The admin endpoint: POST /reconcile runs a source (or, naming none, every reconcilable source) now, or dry-runs it, for a request bearing an admin token; GET
// /healthz and GET /metrics for operations. node:http rather than express: three routes on a port
// that binds to loopback unless RECONCILIATION_HOST says otherwise.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { operationsServer } from "@hooklog/lifecycle";
import { z } from "@hooklog/config";
import type { Logger } from "@hooklog/logging";
import type { ReconciliationMetrics } from "./metrics.ts";
import type { ReconcileRequest } from "./reconcile-source.ts";
import { passOverNotDryRunnable, passedOver, type RunResult } from "./run-result.ts";
import { HooklogError, parseSince } from "@hooklog/core";

export interface AdminDeps {
  /** HOOKLOG_ADMIN_TOKENS: none, and POST /reconcile refuses every request. */
  adminTokens: readonly string[];
  reconcile: (source: string, request: ReconcileRequest) => Promise<RunResult>;
  /** What a request naming no source runs. */
  reconcilable: readonly string[];
  metrics: ReconciliationMetrics;
  logger: Logger;
  now: () => Date;
}

const reconcileRequest = z.strictObject({ source: z.string().min(1).optional(), since: z.string().min(1).optional(), dryRun: z.boolean().optional() });
const MAX_BODY_BYTES = 16 * 1024;

/** One HTTP status per way a run can end: a failed run is the provider's or Kafka's failure, reported with its summary. */
const STATUS: Record<Exclude<RunResult["status"], "rejected">, number> = { completed: 200, "dry-run": 200, skipped: 409, failed: 502 };

/** Several runs answer with the worst of their statuses: a failure before a skip before success; a source passed over is no skip. */
const statusOf = (result: RunResult): number => {
  if (result.status === "rejected") return 409;
  if (passedOver(result)) return 200;
  return STATUS[result.status];
};

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
    sendError(
      response,
      400,
      "invalid_request",
      `Expected {"source"?: string (none: every reconcilable source), "since"?: "30m" | "2h" | "3d" | ISO time, "dryRun"?: boolean}: ${z.prettifyError(parsed.error)}`,
    );
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
  const asked: ReconcileRequest = { ...(since ? { since } : {}), ...(parsed.data.dryRun ? { dryRun: true } : {}) };
  if (parsed.data.source === undefined) {
    if (deps.reconcilable.length === 0) {
      sendError(response, 409, "nothing_reconcilable", "no source can be reconciled with this configuration: the service's log says why for each");
      return;
    }
    const runs: RunResult[] = [];
    for (const name of deps.reconcilable) runs.push(passOverNotDryRunnable(await deps.reconcile(name, asked)));
    send(response, Math.max(...runs.map(statusOf)), { runs });
    return;
  }
  const result = await deps.reconcile(parsed.data.source, asked);
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

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { adminAuthFailures, bearerAuth, sendUnauthorized } from "./admin-auth.ts";

/** What GET /readyz answers: 200 when ready, else 503, with `body` either way. */
export interface Readiness {
  ready: boolean;
  body: Record<string, unknown>;
}

/** A route of a service's own beside the common ones (reconciliation's POST /reconcile). */
export type OperationsRoute = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface OperationsOptions {
  /** GET /metrics serves it, in Prometheus' text format. */
  registry: Registry;
  /** GET /readyz, for a service that can say whether what it needs answers (ingest). */
  ready?: () => Promise<Readiness>;
  /** More routes, keyed "METHOD /path". */
  routes?: Readonly<Record<string, OperationsRoute>>;
  /**
   * Routes that change state or show event data, keyed "METHOD /path": each answers only a request
   * bearing one of `adminTokens`, and 401 to any other (counted in hooklog_admin_auth_failures_total).
   */
  adminRoutes?: Readonly<Record<string, OperationsRoute>>;
  /** The tokens admin routes accept (HOOKLOG_ADMIN_TOKENS); none at all, and they refuse everyone. */
  adminTokens?: readonly string[];
  /** A route that threw: logged by the service; the client gets a 500 without details. */
  onError: (error: unknown, route: string) => void;
}

export type OperationsHandler = (request: IncomingMessage, response: ServerResponse, next?: () => void) => void;

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * Every service's operations face: GET /healthz (the process serves requests), GET /metrics, GET
 * /readyz where the service can tell, and its own routes. With `next` (express), any other request
 * passes on; without, it is answered 404 naming the routes there are.
 */
export function operationsHandler(options: OperationsOptions): OperationsHandler {
  const routes: Record<string, OperationsRoute> = {
    "GET /healthz": async (_request, response) => send(response, 200, { status: "ok" }),
    "GET /metrics": async (_request, response) => {
      const text = await options.registry.metrics();
      response.writeHead(200, { "content-type": options.registry.contentType }).end(text);
    },
    ...(options.ready ? { "GET /readyz": readyRoute(options.ready) } : {}),
    ...options.routes,
    ...(options.adminRoutes ? adminOnly(options.adminRoutes, options) : {}),
  };
  const known = Object.keys(routes).join(", ");
  return (request, response, next) => {
    // On ingest's request path too: a split, not a URL parse.
    const route = `${request.method ?? "GET"} ${(request.url ?? "/").split("?", 1)[0]}`;
    const handle = routes[route];
    if (!handle) {
      if (next) next();
      else send(response, 404, { error: { code: "not_found", message: `Routes: ${known}.` } });
      return;
    }
    handle(request, response).catch((error: unknown) => {
      options.onError(error, route);
      if (!response.headersSent) send(response, 500, { error: { code: "internal_error", message: "The request failed; see the service's log." } });
      else response.end();
    });
  };
}

function readyRoute(ready: () => Promise<Readiness>): OperationsRoute {
  return async (_request, response) => {
    const readiness = await ready();
    send(response, readiness.ready ? 200 : 503, readiness.body);
  };
}

/** Each route behind the credential check: a refused request is answered before its body is read. */
function adminOnly(routes: Readonly<Record<string, OperationsRoute>>, options: OperationsOptions): Record<string, OperationsRoute> {
  const auth = bearerAuth(options.adminTokens ?? []);
  const failures = adminAuthFailures(options.registry);
  return Object.fromEntries(
    Object.entries(routes).map(([route, handle]): [string, OperationsRoute] => [
      route,
      async (request, response) => {
        const verdict = auth(request.headers.authorization);
        if (verdict.ok) return handle(request, response);
        failures.inc({ route, refusal: verdict.refusal });
        sendUnauthorized(response, verdict);
      },
    ]),
  );
}

/** The operations face as a server of its own (main.ts listens on the service's port). */
export const operationsServer = (options: OperationsOptions): Server => createServer(operationsHandler(options));

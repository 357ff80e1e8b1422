import { join } from "node:path";
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from "express";
import { SESSION_COOKIE, apiGuard, cookieValue, pageGuard, safeNext, type OnRefusal } from "./auth/guard.ts";
import type { ConsoleArea, ConsoleDeps } from "./deps.ts";
import { signInPage } from "./pages/layout.ts";
import { ConsoleRequestError } from "./errors.ts";
import { openApiDocument } from "./openapi.ts";
import { consumersArea } from "./areas/consumers.ts";
import { deliveriesArea } from "./areas/deliveries.ts";
import { eventsArea } from "./areas/events.ts";
import { reconciliationArea } from "./areas/reconciliation.ts";
import { sourcesArea } from "./areas/sources.ts";

const AREAS: readonly ConsoleArea[] = [eventsArea, deliveriesArea, consumersArea, sourcesArea, reconciliationArea];

/** Pages, API and script come from this console alone: no CDN, no inline script, no framing. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/**
 * Builds the console: sign-in and sign-out, the pages (a session), the JSON API under /api (a
 * session or a Bearer token), the OpenAPI document, /healthz and /metrics. main.ts only listens.
 */
export function createConsoleApp(deps: ConsoleDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.trustProxy);
  app.use((_request, response, next) => {
    response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "same-origin");
    response.setHeader("Cache-Control", "no-store");
    next();
  });

  app.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });
  app.get("/metrics", async (_request, response) => {
    response.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use("/assets", express.static(join(import.meta.dirname, "assets"), { index: false, fallthrough: false, cacheControl: false }));
  app.get("/openapi.json", (_request, response) => {
    response.json(openApiDocument());
  });

  const form = express.urlencoded({ extended: false, limit: "8kb", parameterLimit: 10 });
  app.get("/signin", (request, response) => {
    response.type("html").send(signInPage({ next: safeNext(request.query.next) }));
  });
  app.post("/signin", form, (request: Request, response: Response) => {
    const body = (request.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    const actor = typeof body.token === "string" ? deps.tokens(body.token.trim()) : undefined;
    if (actor === undefined) {
      deps.metrics.authFailures.inc({ route: "POST /signin", refusal: "not_accepted" });
      response
        .status(401)
        .type("html")
        .send(signInPage({ next, problem: "That token is not accepted." }));
      return;
    }
    const session = deps.sessions.open(actor);
    response.cookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: "strict", secure: request.secure, path: "/" });
    deps.logger.info({ actor }, "signed in to the console");
    response.redirect(303, next);
  });

  const onRefusal: OnRefusal = (refusal, request) => {
    if (refusal !== "missing" || request.originalUrl.startsWith("/api"))
      deps.metrics.authFailures.inc({ route: `${request.method} ${request.baseUrl}`, refusal });
  };
  const guardDeps = { tokens: deps.tokens, sessions: deps.sessions, onRefusal };
  app.post("/signout", form, pageGuard(guardDeps), (request: Request, response: Response) => {
    const id = cookieValue(request, SESSION_COOKIE);
    if (id) deps.sessions.close(id);
    response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: "strict", secure: request.secure, path: "/" });
    response.redirect(303, "/signin");
  });

  const api = express.Router();
  const pages = express.Router();
  for (const area of AREAS) area({ api, pages }, deps);
  app.use("/api", express.json({ limit: "64kb" }), apiGuard(guardDeps), api, (_request: Request, response: Response) => {
    response.status(404).json({ error: { code: "not_found", message: "No such API endpoint; see /openapi.json." } });
  });
  app.get("/", (_request, response) => response.redirect(303, "/events"));
  app.use(form, pageGuard(guardDeps), pages);
  app.use((_request: Request, response: Response) => {
    response.status(404).type("text/plain").send("Not found.");
  });
  app.use(failureHandler(deps));
  return app;
}

/** A ConsoleRequestError says what was wrong with the request; a body parser's error is the sender's; anything else is ours, logged. */
function failureHandler(deps: ConsoleDeps): ErrorRequestHandler {
  return (error: unknown, request: Request, response: Response, _next: NextFunction) => {
    let status = 500;
    let code = "internal_error";
    let message = "The console failed on this request; its log says why.";
    if (error instanceof ConsoleRequestError) [status, code, message] = [error.status, error.code, error.message];
    else if (typeof (error as { type?: unknown }).type === "string" && (error as { status?: number }).status === 413)
      [status, code, message] = [413, "body_too_large", "The request body is larger than the console takes."];
    else if (typeof (error as { type?: unknown }).type === "string")
      [status, code, message] = [400, "unreadable_body", "The request body could not be read as JSON or a form."];
    else deps.logger.error({ err: error, path: request.path }, "console request failed");
    if (request.originalUrl.startsWith("/api")) response.status(status).json({ error: { code, message } });
    else response.status(status).type("text/plain").send(message);
  };
}

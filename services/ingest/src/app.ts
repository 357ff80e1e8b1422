import { operationsHandler } from "@hooklog/lifecycle";
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { Logger } from "@hooklog/logging";
import { serverSpanOf } from "@hooklog/telemetry";
import { OVERLOADED, ingestWebhook, type IngestDeps, type IngestSource } from "./ingest.ts";
import type { IngestMetrics } from "./metrics.ts";
import { rejected, type IngestOutcome } from "./outcome.ts";
import { RateLimiter } from "./rate-limiter.ts";

export interface AppDeps extends IngestDeps {
  sources: ReadonlyMap<string, IngestSource>;
  metrics: IngestMetrics;
  logger: Logger;
  /** Kafka and the registry answer, and every source topic exists: what /readyz reports. */
  ready: () => Promise<{ checks: { kafka: boolean; registry: boolean; topics: boolean }; missingTopics: readonly string[] }>;
}

function sendOutcome(response: Response, outcome: IngestOutcome): void {
  switch (outcome.kind) {
    case "accepted":
      response.status(202).json({ status: "accepted", eventId: outcome.eventId });
      return;
    case "duplicate":
      response.status(200).json({ status: "duplicate" });
      return;
    case "ignored":
      response.status(200).json({ status: "ignored", reason: `event type ${outcome.type} is not accepted by this source` });
      return;
    case "rejected":
      if (outcome.retryAfterSeconds !== undefined) response.setHeader("Retry-After", String(outcome.retryAfterSeconds));
      response.status(outcome.status).json({ error: { code: outcome.code, message: outcome.message } });
      return;
    case "unavailable":
      response.setHeader("Retry-After", String(outcome.retryAfterSeconds));
      response.status(503).json({ error: { code: outcome.code, message: outcome.message } });
      return;
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unknown)}`);
    }
  }
}

const OPERATIONS_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/** The route template of a request path, for the server span's name. */
export function ingestRoute(path: string): string | undefined {
  if (OPERATIONS_ROUTES.has(path)) return path;
  return /^\/webhooks\/[^/]+\/?$/.test(path) ? "/webhooks/:source" : undefined;
}

/** Builds the ingest app; main.ts only listens, so tests drive it on a port of their own. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Answers are never cached: no ETag to compute for every 202.
  app.set("etag", false);
  // Mounted on its own paths only: a webhook POST never passes through it.
  const operations = operationsRoutes(deps);
  app.get([...OPERATIONS_ROUTES], (request, response, next) => operations(request, response, next));
  app.post("/webhooks/:source", ...webhookRoute(deps));
  app.use((_request: Request, response: Response) => {
    response.status(404).json({ error: { code: "not_found", message: "Webhooks are received at POST /webhooks/<source>." } });
  });
  app.use(requestFailureHandler(deps));
  return app;
}

/** The operations face every service has (/healthz, /readyz, /metrics); anything else passes on. */
function operationsRoutes(deps: AppDeps): RequestHandler {
  return operationsHandler({
    registry: deps.metrics.registry,
    ready: async () => {
      const { checks, missingTopics } = await deps.ready();
      const ready = checks.kafka && checks.registry && checks.topics;
      return { ready, body: { status: ready ? "ready" : "not ready", checks, ...(missingTopics.length > 0 ? { missingTopics } : {}) } };
    },
    onError: (error, route) => deps.logger.error({ err: error, route }, "operations request failed"),
  });
}

/**
 * POST /webhooks/:source as two steps: admit (known source, content type, room in the writer, rate
 * limit), all decided from the path and headers before a byte of the body is read; then ingest the raw body.
 */
function webhookRoute(deps: AppDeps): [admit: RequestHandler<{ source: string }>, ingest: RequestHandler] {
  const limiters = new Map(
    [...deps.sources].flatMap(([name, source]) => (source.config.rateLimit ? [[name, new RateLimiter(source.config.rateLimit)] as const] : [])),
  );
  // One raw-body reader per source, each bounded by the source's limit; nothing parses the body before verification.
  const bodyReaders = new Map<string, RequestHandler>(
    [...deps.sources].map(([name, source]) => [name, express.raw({ type: () => true, limit: source.config.maxBodyBytes })]),
  );

  const admit = (request: Request<{ source: string }>, response: Response, next: NextFunction) => {
    const requestId = request.header("x-request-id") ?? randomUUID();
    response.locals.requestId = requestId;
    const source = deps.sources.get(request.params.source);
    if (!source) {
      deps.metrics.rejected.inc({ source: "(unknown)", reason: "unknown_source" });
      sendOutcome(response, rejected(404, "unknown_source", "No webhook source of that name is configured."));
      return;
    }
    deps.metrics.received.inc({ source: source.config.name });
    const contentType = (request.header("content-type") ?? "").toLowerCase();
    let early: IngestOutcome | undefined;
    if (!source.provider.acceptsContentType(contentType)) {
      early = rejected(415, "unsupported_content_type", `Content-Type must be ${source.provider.contentTypes.join(" or ")}.`);
    } else if (deps.writer.wouldOverload(Number(request.header("content-length")) || 1)) {
      // Refused before the body is read: while Kafka is away, a flood of retries costs no memory.
      early = OVERLOADED;
    } else {
      const allowed = limiters.get(source.config.name)?.take();
      if (allowed && !allowed.allowed)
        early = rejected(429, "rate_limited", "Too many requests for this source; retry after the given delay.", allowed.retryAfterSeconds);
    }
    if (early) {
      finish(deps, response, source.config.name, requestId, early);
      return;
    }
    response.locals.source = source;
    bodyReaders.get(source.config.name)?.(request, response, next);
  };

  const ingest = async (request: Request, response: Response) => {
    const source = response.locals.source as IngestSource;
    const requestId = response.locals.requestId as string;
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    const outcome = await ingestWebhook(
      source,
      { rawBody, headers, contentType: (request.header("content-type") ?? "").toLowerCase(), requestId, span: serverSpanOf(request) },
      deps,
    );
    finish(deps, response, source.config.name, requestId, outcome);
  };

  return [admit, ingest];
}

/**
 * Body-reading failures (too large, aborted, an encoding we cannot read) are the sender's; anything
 * else is ours: 503 so the provider retries, and the error logged with the request id.
 */
function requestFailureHandler(deps: AppDeps): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _request: Request, response: Response, _next: NextFunction) => {
    const source = (response.locals.source as IngestSource | undefined)?.config.name ?? "(unknown)";
    const requestId = (response.locals.requestId as string | undefined) ?? "-";
    let outcome: IngestOutcome;
    if (error.type === "entity.too.large") outcome = rejected(413, "body_too_large", "The body is larger than this source accepts.");
    else if (error.type === "encoding.unsupported") outcome = rejected(415, "unsupported_content_encoding", "The body's Content-Encoding is not supported.");
    else if (error.type !== undefined) outcome = rejected(400, "unreadable_body", "The request body could not be read.");
    else {
      deps.logger.error({ err: error, source, requestId }, "ingest failed on a request");
      outcome = { kind: "unavailable", code: "internal_error", message: "Ingest failed to take the event; retry later.", retryAfterSeconds: 5 };
    }
    finish(deps, response, source, requestId, outcome);
  };
}

function finish(deps: AppDeps, response: Response, source: string, requestId: string, outcome: IngestOutcome): void {
  if (outcome.kind === "accepted") deps.metrics.accepted.inc({ source });
  else if (outcome.kind === "duplicate") deps.metrics.duplicates.inc({ source });
  else if (outcome.kind === "ignored") deps.metrics.ignored.inc({ source });
  else {
    deps.metrics.rejected.inc({ source, reason: outcome.code });
    // Source, reason and request id only: never the secret, never the unverified body.
    deps.logger.warn({ source, reason: outcome.code, requestId, status: outcome.kind === "rejected" ? outcome.status : 503 }, "webhook rejected");
  }
  sendOutcome(response, outcome);
}

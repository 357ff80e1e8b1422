import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { Logger } from "@hooklog/logging";
import { serverSpanOf } from "@hooklog/telemetry";
import { clientKey, type ClientBudget } from "./client-budget.ts";
import { newEventId } from "@hooklog/event-log";
import type { WebhookEvent } from "@hooklog/schemas";
import type { Delivery } from "@hooklog/schemas";
import type { DeliveryLog } from "./delivery-log.ts";
import { OVERLOADED, ingestWebhook, isVerificationFailure, type DeliveryFacts, type IngestDeps, type IngestSource } from "./ingest.ts";
import type { IngestMetrics } from "./metrics.ts";
import { rejected, type IngestOutcome } from "./outcome.ts";
import { afterUnreadBody } from "./discard-body.ts";
import type { RejectionLog } from "./rejection-log.ts";

export interface AppDeps extends IngestDeps {
  sources: ReadonlyMap<string, IngestSource>;
  metrics: IngestMetrics;
  logger: Logger;
  /** Each client address's budget of requests that fail verification. */
  clientBudget: ClientBudget;
  rejections: RejectionLog;
  /** Express's `trust proxy`: whose X-Forwarded-For names the client. */
  trustProxy: boolean | number | string;
  /** Header lines a request may carry (the server counts one past it). */
  maxHeaders: number;
  /** One metadata record per request to POST /webhooks/:source, never awaited by it. */
  deliveries: Pick<DeliveryLog, "record" | "receipt">;
}

/** The HTTP status each outcome is answered with. */
function statusOf(outcome: IngestOutcome): number {
  switch (outcome.kind) {
    case "accepted":
      return 202;
    case "duplicate":
    case "ignored":
      return 200;
    case "rejected":
      return outcome.status;
    case "unavailable":
      return 503;
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unknown)}`);
    }
  }
}

function sendOutcome(response: Response, outcome: IngestOutcome): void {
  switch (outcome.kind) {
    case "accepted":
      response.status(statusOf(outcome)).json({ status: "accepted", eventId: outcome.eventId });
      return;
    case "duplicate":
      response.status(statusOf(outcome)).json({ status: "duplicate" });
      return;
    case "ignored":
      response.status(statusOf(outcome)).json({ status: "ignored", reason: `event type ${outcome.type} is not accepted by this source` });
      return;
    case "rejected":
      if (outcome.retryAfterSeconds !== undefined) response.setHeader("Retry-After", String(outcome.retryAfterSeconds));
      response.status(statusOf(outcome)).json({ error: { code: outcome.code, message: outcome.message } });
      return;
    case "unavailable":
      response.setHeader("Retry-After", String(outcome.retryAfterSeconds));
      response.status(statusOf(outcome)).json({ error: { code: outcome.code, message: outcome.message } });
      return;
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/** The route template of a request path, for the server span's name. */
export function ingestRoute(path: string): string | undefined {
  if (path === "/healthz") return path;
  return /^\/webhooks\/[^/]+\/?$/.test(path) ? "/webhooks/:source" : undefined;
}

/**
 * Builds the public app: POST /webhooks/:source and GET /healthz, nothing else (metrics and
 * readiness are on the operations port). main.ts only listens, so tests drive it on a port of their own.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Answers are never cached: no ETag to compute for every 202.
  app.set("etag", false);
  app.set("trust proxy", deps.trustProxy);
  app.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });
  app.post("/webhooks/:source", ...webhookRoute(deps));
  app.all("/webhooks/:source", (request: Request, response: Response) => {
    response.setHeader("Allow", "POST");
    afterUnreadBody(request, () => response.status(405).json({ error: { code: "method_not_allowed", message: "Webhooks are received with POST." } }));
  });
  app.use((request: Request, response: Response) => {
    afterUnreadBody(request, () => response.status(404).json({ error: { code: "not_found", message: "Webhooks are received at POST /webhooks/<source>." } }));
  });
  app.use(requestFailureHandler(deps));
  return app;
}

/** The request's client: its peer address, or X-Forwarded-For's as `trust proxy` allows; IPv6 by its /64. */
function clientOf(request: Request): string {
  const forwarded = clientKey(request.ip ?? "");
  // A forwarded value that is no address at all is the peer's doing: it is charged to the peer.
  return forwarded === "unknown" ? clientKey(request.socket.remoteAddress ?? "") : forwarded;
}

/**
 * What `admit` decides from the path and headers alone, before a byte of the body is read: a
 * malformed request, a full writer. Undefined admits it.
 */
function admission(deps: AppDeps, request: Request, source: IngestSource): IngestOutcome | undefined {
  if (request.rawHeaders.length / 2 > deps.maxHeaders) return rejected(431, "too_many_headers", `A request may carry at most ${deps.maxHeaders} headers.`);
  const contentType = (request.header("content-type") ?? "").toLowerCase();
  if (!source.provider.acceptsContentType(contentType))
    return rejected(415, "unsupported_content_type", `Content-Type must be ${source.provider.contentTypes.join(" or ")}.`);
  const encoding = (request.header("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "" && !(source.config.contentEncodings as readonly string[]).includes(encoding)) {
    const allowed = ["identity (uncompressed)", ...source.config.contentEncodings].join(" or ");
    return rejected(415, "unsupported_encoding", `Content-Encoding must be ${allowed} for this source.`);
  }
  // Refused before the body is read: while Kafka is away, a flood of retries costs no memory.
  if (deps.writer.wouldOverload(Number(request.header("content-length")) || 1)) return OVERLOADED;
  return undefined;
}

/**
 * POST /webhooks/:source as two steps: admit (known source, headers, room in the writer),
 * all decided from the path and headers before a byte of the body is read; then ingest the raw body.
 */
function webhookRoute(deps: AppDeps): [admit: RequestHandler<{ source: string }>, ingest: RequestHandler] {
  // One raw-body reader per source, each bounded by the source's limit (counted after inflating, for
  // a source that takes compressed bodies); nothing parses the body before verification.
  const bodyReaders = new Map<string, RequestHandler>(
    [...deps.sources].map(([name, source]) => [
      name,
      express.raw({ type: () => true, limit: source.config.maxBodyBytes, inflate: source.config.contentEncodings.length > 0 }),
    ]),
  );

  const admit = (request: Request<{ source: string }>, response: Response, next: NextFunction) => {
    response.locals.requestId = request.header("x-request-id") ?? randomUUID();
    const source = deps.sources.get(request.params.source);
    if (!source) {
      finish(deps, response, rejected(404, "unknown_source", "No webhook source of that name is configured."));
      return;
    }
    deps.metrics.received.inc({ source: source.config.name });
    response.locals.source = source;
    const refused = admission(deps, request, source);
    if (refused) {
      finish(deps, response, refused);
      return;
    }
    bodyReaders.get(source.config.name)?.(request, response, next);
  };

  const ingest = async (request: Request, response: Response) => {
    const source = response.locals.source as IngestSource;
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    // Built once the event has its id, should the event be written: its record then travels with it.
    let receiptBuilt = false;
    const receipt = async (event: WebhookEvent) => {
      const facts = { verification: event.verification, providerEventId: event.providerEventId, eventType: event.type };
      const accepted: IngestOutcome = { kind: "accepted", eventId: event.id };
      const record = await deps.deliveries.receipt(
        deliveryOf(deps, response, accepted, { facts, bodyBytes: rawBody.length, client: clientOf(request), headers: event.headers }),
      );
      receiptBuilt = record !== undefined;
      return record;
    };
    const { outcome, facts } = await ingestWebhook(
      source,
      {
        rawBody,
        headers: plainHeaders(request),
        contentType: (request.header("content-type") ?? "").toLowerCase(),
        requestId: response.locals.requestId as string,
        span: serverSpanOf(request),
        receipt,
      },
      deps,
    );
    finish(deps, response, outcome, { facts, bodyBytes: rawBody.length, receiptBuilt });
  };

  return [admit, ingest];
}

/**
 * Body-reading failures (too large, aborted, an encoding we cannot read) are the sender's; anything
 * else is ours: 503 so the provider retries, and the error logged with the request id.
 */
function requestFailureHandler(deps: AppDeps): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _request: Request, response: Response, _next: NextFunction) => {
    const source = sourceName(response);
    let outcome: IngestOutcome;
    if (error.type === "entity.too.large") outcome = rejected(413, "body_too_large", "The body is larger than this source accepts.");
    else if (error.type === "encoding.unsupported") outcome = rejected(415, "unsupported_encoding", "The body's Content-Encoding is not supported.");
    else if (error.type !== undefined) outcome = rejected(400, "unreadable_body", "The request body could not be read.");
    // The router could not decode the path's :source (a bad percent-escape): no source has that name.
    else if (error instanceof URIError) outcome = rejected(404, "unknown_source", "No webhook source of that name is configured.");
    else {
      deps.logger.error({ err: error, source, requestId: response.locals.requestId as string | undefined }, "ingest failed on a request");
      outcome = { kind: "unavailable", code: "internal_error", message: "Ingest failed to take the event; retry later.", retryAfterSeconds: 5 };
    }
    finish(deps, response, outcome);
  };
}

/** Codes a verified delivery can be refused with: they are not charged to the client's unverified budget. */
const AFTER_VERIFICATION = new Set(["rate_limited", "malformed_payload", "invalid_event_id", "record_too_large"]);

const isUnverifiedRejection = (outcome: IngestOutcome): boolean => outcome.kind === "rejected" && !AFTER_VERIFICATION.has(outcome.code);

/** What the delivery record of a request knows beyond its answer. */
interface DeliveryContext {
  facts?: DeliveryFacts;
  /** The body's size as read; 0 when refused before it was read. */
  bodyBytes?: number;
  /** The record of an accepted delivery travelled with its event: not recorded again (and its rate token is taken). */
  receiptBuilt?: boolean;
}

const sourceName = (response: Response): string => (response.locals.source as IngestSource | undefined)?.config.name ?? "(unknown)";

/** The request's headers as one string each. */
function plainHeaders(request: Request): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return headers;
}

/** The delivery record of a request: metadata only, never the body, a signature or a secret. */
function deliveryOf(
  deps: AppDeps,
  response: Response,
  answer: IngestOutcome,
  at: { facts: DeliveryFacts; bodyBytes: number; client: string; headers?: Record<string, string> },
): Delivery {
  const source = response.locals.source as IngestSource | undefined;
  const receivedAt = deps.now?.().getTime() ?? Date.now();
  const { facts } = at;
  return {
    eventId: newEventId(receivedAt),
    receivedAt,
    source: sourceName(response),
    requestId: (response.locals.requestId as string | undefined) ?? "-",
    client: at.client,
    outcome: answer.kind,
    status: statusOf(answer),
    reason: answer.kind === "rejected" || answer.kind === "unavailable" ? answer.code : null,
    bodyBytes: at.bodyBytes,
    verificationScheme: facts.verification?.scheme ?? null,
    secretIndex: facts.verification?.secretIndex ?? null,
    verificationFailure: facts.verificationFailure ?? null,
    hubEventId: answer.kind === "accepted" ? answer.eventId : null,
    providerEventId: facts.providerEventId ?? null,
    eventType: facts.eventType ?? null,
    // The provider module's audit headers: never a signature or a credential. An unknown source has no module to ask.
    headers: at.headers ?? (source ? source.provider.auditHeaders(plainHeaders(response.req), source.config) : {}),
  };
}

function finish(deps: AppDeps, response: Response, outcome: IngestOutcome, context: DeliveryContext = {}): void {
  const source = sourceName(response);
  const client = clientOf(response.req);
  // Decided after verification, never before: providers share addresses (GitHub's hook ranges,
  // Stripe's few IPs), so a client past its budget still has every delivery that verifies taken.
  const wait = isUnverifiedRejection(outcome) ? deps.clientBudget.exhausted(client) : undefined;
  const answer =
    wait === undefined
      ? outcome
      : rejected(429, "too_many_unverified", "Too many requests from this address failed verification; retry after the given delay.", wait);
  count(deps, response, { source, client, outcome, answer });
  // Queued, never awaited: the answer does not wait for the record.
  if (!(answer.kind === "accepted" && context.receiptBuilt))
    deps.deliveries.record(deliveryOf(deps, response, answer, { facts: context.facts ?? {}, bodyBytes: context.bodyBytes ?? 0, client }), {
      charged: context.receiptBuilt === true,
    });
  // A request refused before its body was read: the body is read and dropped first, so the answer survives a closing connection.
  afterUnreadBody(response.req, (whole) => {
    // Past the bytes it drops, the rest of the body is not waited for: the connection ends with the answer.
    if (!whole) response.setHeader("Connection", "close");
    sendOutcome(response, answer);
  });
}

/** Metrics, the unverified budget and the rejection log: what every answer is counted in. */
function count(deps: AppDeps, response: Response, at: { source: string; client: string; outcome: IngestOutcome; answer: IngestOutcome }): void {
  const { source, client, outcome, answer } = at;
  if (answer.kind === "accepted") deps.metrics.accepted.inc({ source });
  else if (answer.kind === "duplicate") deps.metrics.duplicates.inc({ source });
  else if (answer.kind === "ignored") deps.metrics.ignored.inc({ source });
  else {
    deps.metrics.rejected.inc({ source, reason: answer.code });
    if (outcome.kind === "rejected" && isVerificationFailure(outcome.code)) deps.metrics.verificationFailures.inc({ source, reason: outcome.code });
    if (isUnverifiedRejection(outcome)) deps.clientBudget.charge(client);
    // Source, reason, request id and client only: never the secret, never the unverified body.
    deps.rejections.record({
      source,
      reason: answer.code,
      status: answer.kind === "rejected" ? answer.status : 503,
      requestId: (response.locals.requestId as string | undefined) ?? "-",
      client,
    });
  }
}

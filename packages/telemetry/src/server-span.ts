import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, defaultTextMapGetter, propagation, trace, type Span } from "@opentelemetry/api";
import { getRPCMetadata } from "@opentelemetry/core";

const tracer = trace.getTracer("@hooklog/telemetry/server-span");
const spans = new WeakMap<IncomingMessage, Span>();

export interface ServerSpanOptions {
  /** The route template of a path (e.g. "/webhooks/:source"), for the span's name and `http.route`. */
  route: (path: string) => string | undefined;
}

/**
 * A server span per request, made by the service itself: the http instrumentation's generic span
 * costs more per request than ingest spends on its own work. It follows the HTTP semantic
 * conventions, continues the caller's W3C trace context, and is found with `serverSpanOf(request)`
 * (no context is bound to the request's emitters). When the http instrumentation is on anyway, its
 * span is the request's span and none is added.
 */
export function withServerSpans(listener: RequestListener, options: ServerSpanOptions): RequestListener {
  return (request, response) => {
    if (getRPCMetadata(context.active())) {
      listener(request, response);
      return;
    }
    const method = request.method ?? "GET";
    const target = request.url ?? "/";
    const query = target.indexOf("?");
    const path = query === -1 ? target : target.slice(0, query);
    const route = options.route(path);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const span = tracer.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": method,
          "url.path": path,
          "url.scheme": "http",
          ...(route ? { "http.route": route } : {}),
          "network.protocol.version": request.httpVersion,
          ...(request.socket.remoteAddress ? { "client.address": request.socket.remoteAddress } : {}),
          ...(request.headers["user-agent"] ? { "user_agent.original": request.headers["user-agent"] } : {}),
        },
      },
      parent,
    );
    spans.set(request, span);
    response.once("close", () => endServerSpan(span, response));
    listener(request, response);
  };
}

function endServerSpan(span: Span, response: ServerResponse): void {
  if (!response.writableFinished) {
    span.setAttribute("error.type", "aborted");
    span.setStatus({ code: SpanStatusCode.ERROR, message: "the connection closed before the answer was sent" });
  } else {
    span.setAttribute("http.response.status_code", response.statusCode);
    // Server spans: a 4xx is the client's error, not the server's.
    if (response.statusCode >= 500) {
      span.setAttribute("error.type", String(response.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}

/**
 * The span of the HTTP request being served: the one `withServerSpans` made for it, else the http
 * instrumentation's server span (even where express has made a child span active), else the active span.
 */
export function serverSpanOf(request: IncomingMessage): Span | undefined {
  return spans.get(request) ?? getRPCMetadata(context.active())?.span ?? trace.getActiveSpan();
}

export { startTelemetry, shutdownTelemetry } from "./telemetry.ts";
export type { TelemetryOptions } from "./telemetry.ts";
export { injectTraceHeaders, extractTraceContext, ExplicitFirstPropagator, context, trace } from "./propagation.ts";
export type { SpanRecord } from "./file-exporter.ts";
export { ROOT_CONTEXT, SpanKind, SpanStatusCode } from "@opentelemetry/api";
export type { Span, Context } from "@opentelemetry/api";
export { withServerSpans, serverSpanOf } from "./server-span.ts";
export type { ServerSpanOptions } from "./server-span.ts";

export { startTelemetry, shutdownTelemetry } from "./telemetry.ts";
export type { TelemetryOptions } from "./telemetry.ts";
export { injectTraceHeaders, extractTraceContext, ExplicitFirstPropagator, context, requestSpan, trace } from "./propagation.ts";
export type { SpanRecord } from "./file-exporter.ts";
export { SpanKind, SpanStatusCode } from "@opentelemetry/api";
export type { Span, Context } from "@opentelemetry/api";

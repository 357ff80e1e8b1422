import { getNumberFromEnv } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { ZipkinExporter } from "@opentelemetry/exporter-zipkin";
import { BatchSpanProcessor, type BatchSpanProcessorOptions, type SpanExporter } from "@opentelemetry/sdk-trace";

/** Where a process sends its spans, if anywhere. */
export type TraceBackend = { protocol: "otlp"; url: string } | { protocol: "zipkin"; url: string } | undefined;

/**
 * OTLP when its endpoint is set, else Zipkin when its endpoint is set, else nowhere. One backend
 * only: a trace split between two would be whole in neither. `ignored` names the Zipkin endpoint
 * that lost to OTLP, so the choice can be said at start.
 */
export function chooseTraceBackend(
  otlpEndpoint: string | undefined,
  zipkinEndpoint: string | undefined,
): { backend: TraceBackend; ignored: string | undefined } {
  if (otlpEndpoint) return { backend: { protocol: "otlp", url: otlpEndpoint }, ignored: zipkinEndpoint };
  if (zipkinEndpoint) return { backend: { protocol: "zipkin", url: zipkinEndpoint }, ignored: undefined };
  return { backend: undefined, ignored: undefined };
}

/**
 * The batch settings of the OTEL_BSP_* variables: the SDK's BatchSpanProcessor reads them only when
 * NodeSDK builds it from the environment, not when it is handed a processor, as here.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#batch-span-processor
 */
export function batchSettingsFromEnv(): Omit<BatchSpanProcessorOptions, "exporter"> {
  const settings = {
    scheduledDelayMillis: getNumberFromEnv("OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: getNumberFromEnv("OTEL_BSP_EXPORT_TIMEOUT"),
    maxQueueSize: getNumberFromEnv("OTEL_BSP_MAX_QUEUE_SIZE"),
    maxExportBatchSize: getNumberFromEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
  };
  // An unset (or negative) variable leaves the SDK's default rather than passing undefined or nonsense on.
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined && value >= 0));
}

function exporterFor(backend: NonNullable<TraceBackend>): SpanExporter {
  switch (backend.protocol) {
    case "otlp":
      return new OTLPTraceExporter({ url: `${backend.url.replace(/\/$/, "")}/v1/traces` });
    case "zipkin":
      // The full URL of the spans API (e.g. http://127.0.0.1:9411/api/v2/spans), as the variable's specification has it.
      return new ZipkinExporter({ url: backend.url });
    default: {
      const unknown: never = backend;
      throw new Error(`unknown trace backend ${JSON.stringify(unknown)}`);
    }
  }
}

/** Batches spans and sends them to the backend; the export's own HTTP request makes no span. */
export function exportingProcessor(backend: NonNullable<TraceBackend>): BatchSpanProcessor {
  return new BatchSpanProcessor({ exporter: exporterFor(backend), ...batchSettingsFromEnv() });
}

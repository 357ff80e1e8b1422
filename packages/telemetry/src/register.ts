// Loaded with `node --import @hooklog/telemetry/register`: the ESM loader hook must be in place, and
// the SDK started, before the service imports express, kafkajs or pg, or they are not instrumented.
// It reads the standard OTEL_* variables itself because it runs before any service config exists.
import { register } from "node:module";
import { packageIdentity, selectInstrumentations, shutdownTelemetry, startTelemetry } from "./telemetry.ts";

register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

const identity = packageIdentity(process.cwd());
startTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME ?? identity.name,
  serviceVersion: identity.version,
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  zipkinEndpoint: process.env.OTEL_EXPORTER_ZIPKIN_ENDPOINT || undefined,
  traceFile: process.env.HOOKLOG_TRACE_FILE || undefined,
  instrumentations: selectInstrumentations(process.env, identity.instrumentations),
});

process.once("beforeExit", () => void shutdownTelemetry());

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { KnexInstrumentation } from "@opentelemetry/instrumentation-knex";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { createLogger } from "@hooklog/logging";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { NoopSpanProcessor, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";
import { FileSpanExporter } from "./file-exporter.ts";
import { ExplicitFirstPropagator } from "./propagation.ts";
import { chooseTraceBackend, exportingProcessor } from "./span-export.ts";

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318; when set, spans go there and nowhere else. */
  otlpEndpoint: string | undefined;
  /** Zipkin's spans API, e.g. http://127.0.0.1:9411/api/v2/spans; used when otlpEndpoint is unset. Neither: spans go nowhere. */
  zipkinEndpoint?: string | undefined;
  /** Also write every span as a JSON line to this file (tests, debugging). */
  traceFile: string | undefined;
  /** Which libraries to instrument; all of them when unset. */
  instrumentations?: readonly InstrumentationName[];
}

export const INSTRUMENTATION_NAMES = ["http", "express", "kafkajs", "pg", "knex", "fetch"] as const;
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

function createInstrumentations(names: readonly InstrumentationName[]): Instrumentation[] {
  const make: Record<InstrumentationName, () => Instrumentation> = {
    http: () => new HttpInstrumentation(),
    // Route handlers only: a span per middleware layer costs more than it tells.
    express: () => new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
    kafkajs: () => new KafkaJsInstrumentation(),
    // pg spans only inside a trace (no orphan spans for pool housekeeping); knex spans name the
    // table and operation of the same queries, so knex is instrumented too but pg carries the timing.
    pg: () => new PgInstrumentation({ requireParentSpan: true }),
    knex: () => new KnexInstrumentation({ requireParentSpan: true }),
    // fetch() (undici): the calls effects make to Slack, PagerDuty, GitHub, Stripe. Only inside a
    // trace, so a background poll makes no trace of its own.
    fetch: () => new UndiciInstrumentation({ requireParentforSpans: true }),
  };
  return names.map((name) => make[name]());
}

/**
 * The instrumentations a process runs: OTEL_NODE_ENABLED_INSTRUMENTATIONS (comma-separated names),
 * else the package's own `hooklog.instrumentations`, else all; minus OTEL_NODE_DISABLED_INSTRUMENTATIONS.
 * An unknown name is an error that lists the known ones.
 */
export function selectInstrumentations(env: NodeJS.ProcessEnv, packageDefault: readonly string[] | undefined): InstrumentationName[] {
  const check = (origin: string, names: readonly string[]): InstrumentationName[] => {
    const unknown = names.filter((name) => !(INSTRUMENTATION_NAMES as readonly string[]).includes(name));
    if (unknown.length > 0) throw new Error(`${origin}: unknown instrumentation ${unknown.join(", ")}; known: ${INSTRUMENTATION_NAMES.join(", ")}`);
    return [...new Set(names)] as InstrumentationName[];
  };
  const list = (variable: string): InstrumentationName[] | undefined => {
    const value = env[variable];
    if (value === undefined || value.trim() === "") return undefined;
    return check(
      variable,
      value
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name.length > 0),
    );
  };
  const enabled = list("OTEL_NODE_ENABLED_INSTRUMENTATIONS") ??
    (packageDefault ? check("hooklog.instrumentations in package.json", packageDefault) : undefined) ?? [...INSTRUMENTATION_NAMES];
  const disabled = list("OTEL_NODE_DISABLED_INSTRUMENTATIONS") ?? [];
  return enabled.filter((name) => !disabled.includes(name));
}

let sdk: NodeSDK | undefined;

export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const processors: SpanProcessor[] = [];
  const { backend, ignored } = chooseTraceBackend(options.otlpEndpoint, options.zipkinEndpoint);
  if (ignored) {
    createLogger({ service: options.serviceName }).info(
      { otlpEndpoint: options.otlpEndpoint, zipkinEndpoint: ignored },
      "spans go to OTEL_EXPORTER_OTLP_ENDPOINT only: it wins over OTEL_EXPORTER_ZIPKIN_ENDPOINT when both are set",
    );
  }
  if (backend) processors.push(exportingProcessor(backend));
  if (options.traceFile) processors.push(new SimpleSpanProcessor({ exporter: new FileSpanExporter(options.traceFile) }));
  // Spans are still made (and their context propagated into Kafka headers) without an exporter.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());

  sdk = new NodeSDK({
    serviceName: options.serviceName,
    resourceDetectors: [],
    spanProcessors: processors,
    // Traces only. Without these the SDK builds an OTLP metrics exporter and log processor from the
    // environment's defaults, and its shutdown waits seconds to flush to a collector that is not there.
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: new ExplicitFirstPropagator(),
    instrumentations: createInstrumentations(options.instrumentations ?? INSTRUMENTATION_NAMES),
  });
  sdk.start();
}

/** Flushes and stops exporting; services call it last on SIGTERM. */
export async function shutdownTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

/**
 * The service name of the package the process was started in (when OTEL_SERVICE_NAME is not set), and
 * the instrumentations it asks for in `hooklog.instrumentations`. No package.json: a generic name.
 */
export function packageIdentity(cwd: string): { name: string; version: string; instrumentations: string[] | undefined } {
  const file = join(cwd, "package.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { name: "hooklog", version: "0.0.0", instrumentations: undefined };
    throw error;
  }
  let pkg: { name?: unknown; version?: unknown; hooklog?: { instrumentations?: unknown } };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); telemetry cannot name this service`);
  }
  const instrumentations = pkg.hooklog?.instrumentations;
  if (instrumentations !== undefined && !(Array.isArray(instrumentations) && instrumentations.every((name) => typeof name === "string"))) {
    throw new Error(`${file}: hooklog.instrumentations must be an array of names, e.g. ["http"]; known: ${INSTRUMENTATION_NAMES.join(", ")}`);
  }
  return {
    name: (typeof pkg.name === "string" ? pkg.name : "hooklog").replace(/^@hooklog\//, "hooklog-"),
    version: typeof pkg.version === "string" ? pkg.version : "0.0.0",
    instrumentations: instrumentations?.map((name: string) => name.trim()),
  };
}

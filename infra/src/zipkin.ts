import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { awaitReady, portInUse, runningPid, startDaemon, stopDaemon, type DaemonSpec } from "./daemon.ts";
import { InfraError } from "./errors.ts";
import { requireJava } from "./java.ts";
import { runMavenFetch } from "./maven.ts";
import { logFile, stateFolder } from "./paths.ts";
import { pomProperty } from "./pom-properties.ts";
import { step, timed } from "./progress.ts";

const NAME = "zipkin";
const MARKER = "-Dhooklog.component=zipkin";

export interface ZipkinSettings {
  /** HOOKLOG_ZIPKIN=0 runs no trace backend (and services get no Zipkin endpoint). */
  enabled: boolean;
  port: number;
  heap: string;
  /** Spans kept in memory; past it Zipkin drops the oldest traces, so the heap stays bounded. */
  maxSpans: number;
}

export function zipkinSettings(env: NodeJS.ProcessEnv = process.env): ZipkinSettings {
  return {
    enabled: env.HOOKLOG_ZIPKIN !== "0",
    port: Number(env.ZIPKIN_PORT ?? 9411),
    heap: env.HOOKLOG_ZIPKIN_HEAP ?? "256m",
    maxSpans: Number(env.HOOKLOG_ZIPKIN_MAX_SPANS ?? 50_000),
  };
}

export const zipkinUrl = (port: number): string => `http://127.0.0.1:${port}`;

/** Where services send spans (Zipkin v2 JSON), for OTEL_EXPORTER_ZIPKIN_ENDPOINT. */
export const zipkinSpansEndpoint = (url: string): string => `${url}/api/v2/spans`;

/** The Zipkin UI's page of one trace (its React router's `/traces/:traceId`), as a HOOKLOG_TRACE_URL template. */
export const zipkinTraceUrlTemplate = (url: string): string => `${url}/zipkin/traces/{traceId}`;

/**
 * The JVM's command line. The listening address is set on the command line because Zipkin takes its
 * port from QUERY_PORT but has no variable for the address; Spring replaces a list as a whole, so
 * the one port entry is written out in full. C1 only: a trace store for one machine needs a quick
 * start more than peak throughput.
 */
export function zipkinArgs(settings: ZipkinSettings, jar: string): string[] {
  return [
    MARKER,
    "-Xms64m",
    `-Xmx${settings.heap}`,
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
    "-jar",
    jar,
    `--armeria.ports[0].port=${settings.port}`,
    "--armeria.ports[0].ip=127.0.0.1",
    "--armeria.ports[0].protocols[0]=http",
  ];
}

/**
 * Zipkin's environment: only what a JVM needs, plus in-memory storage. Zipkin reads dozens of
 * variables (KAFKA_BOOTSTRAP_SERVERS, RABBIT_ADDRESSES, QUERY_PORT, ...) that switch on collectors
 * or move it, so the shell's are not passed through.
 */
export function zipkinEnv(settings: ZipkinSettings, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept = ["PATH", "HOME", "LANG", "TMPDIR", "TZ"].filter((name) => env[name] !== undefined);
  return {
    ...Object.fromEntries(kept.map((name) => [name, env[name]])),
    STORAGE_TYPE: "mem",
    MEM_MAX_SPANS: String(settings.maxSpans),
    SELF_TRACING_ENABLED: "false",
  };
}

async function install(version: string): Promise<string> {
  const folder = stateFolder("zipkin", "dist", version);
  const jar = join(folder, "zipkin-server-exec.jar");
  const complete = join(folder, ".complete");
  if (!existsSync(complete) || !existsSync(jar)) {
    await timed(`fetching Zipkin ${version} from Maven Central`, () => runMavenFetch("zipkin", { "zipkin.version": version, "output.dir": folder }));
    writeFileSync(complete, new Date().toISOString());
  }
  return jar;
}

/** Up means Zipkin says so: /health answers 200 with status UP once storage and the HTTP server are ready. */
export async function zipkinReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return false;
    const body = (await response.json()) as { status?: unknown };
    return body.status === "UP";
  } catch {
    return false;
  }
}

export function zipkinPid(): number | undefined {
  return runningPid(NAME, MARKER);
}

/**
 * Starts Zipkin with in-memory storage on 127.0.0.1. A Zipkin that infra did not start but that
 * answers on the port (another stack's, a container's) is used as it is: it is a sink for spans,
 * and sharing one loses nothing.
 */
export async function startZipkin(settings: ZipkinSettings = zipkinSettings()): Promise<{ url: string; started: boolean }> {
  const url = zipkinUrl(settings.port);
  if (zipkinPid() !== undefined) return { url, started: false };
  if (await portInUse(settings.port)) {
    if (await zipkinReady(url)) {
      step(`a Zipkin that infra did not start answers on ${url}; traces go there`);
      return { url, started: false };
    }
    throw new InfraError(
      "PORT_TAKEN",
      `Port ${settings.port} is taken by another process (not a Zipkin), so Zipkin cannot start there.`,
      `Stop that process (ss -ltnp 'sport = :${settings.port}' shows it), set ZIPKIN_PORT to another port, or HOOKLOG_ZIPKIN=0 to run without a trace backend.`,
    );
  }

  const java = requireJava(17, "Zipkin");
  const version = pomProperty("zipkin", "zipkin.version");
  const jar = await install(version);
  const spec: DaemonSpec = {
    name: NAME,
    marker: MARKER,
    command: java.executable,
    args: zipkinArgs(settings, jar),
    env: zipkinEnv(settings),
    logFile: logFile(NAME),
  };
  await timed(`starting Zipkin ${version} (in memory, heap ${settings.heap}) on ${url}`, async () => {
    startDaemon(spec);
    await awaitReady(spec, () => zipkinReady(url), 90_000);
  });
  return { url, started: true };
}

/** Its spans are in memory only: nothing to flush, so a short grace. */
export function stopZipkin(): Promise<boolean> {
  return stopDaemon(NAME, MARKER, 5_000);
}

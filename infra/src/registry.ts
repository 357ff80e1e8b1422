import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { awaitReady, ensurePortFree, runningPid, startDaemon, stopDaemon, type DaemonSpec } from "./daemon.ts";
import { InfraError } from "./errors.ts";
import { findJava, type JavaRuntime } from "./java.ts";
import { runMavenFetch } from "./maven.ts";
import { logFile, stateFolder } from "./paths.ts";
import { pomProperty } from "./pom-properties.ts";
import type { PostgresEndpoint } from "./postgres.ts";
import { step, timed } from "./progress.ts";

const NAME = "registry";
const MARKER = "-Dhooklog.component=registry";

/**
 * Apicurio 3.3.x is compiled for Java 21 (class file 65). On a machine with only Java 17 we run
 * 3.0.9, the newest 3.x release on Maven Central built for Java 17 (3.1.x and 3.2.x publish no app).
 */
export const JAVA17_REGISTRY_VERSION = "3.0.9";

export interface RegistrySettings {
  port: number;
  heap: string;
  javaHome: string | undefined;
}

export function registrySettings(env: NodeJS.ProcessEnv = process.env): RegistrySettings {
  return { port: Number(env.HOOKLOG_REGISTRY_PORT ?? 8081), heap: env.HOOKLOG_REGISTRY_HEAP ?? "384m", javaHome: env.HOOKLOG_REGISTRY_JAVA_HOME };
}

export const registryUrl = (port: number): string => `http://127.0.0.1:${port}/apis/ccompat/v7`;

interface RegistryRuntime {
  version: string;
  java: JavaRuntime;
}

export function chooseRegistryRuntime(settings: RegistrySettings): RegistryRuntime {
  const preferred = pomProperty("registry", "apicurio.version");
  const java21 = findJava(21, [settings.javaHome]);
  if (java21) return { version: preferred, java: java21 };
  const java17 = findJava(17, [settings.javaHome]);
  if (java17) {
    step(`no Java 21+ found: Apicurio Registry ${preferred} needs it, so ${JAVA17_REGISTRY_VERSION} runs on Java ${java17.major}`);
    return { version: JAVA17_REGISTRY_VERSION, java: java17 };
  }
  throw new InfraError(
    "JAVA_MISSING",
    "Apicurio Registry needs Java 17 or newer (21+ for the default version), and none was found.",
    "Install a JDK 21 (or 17) or set HOOKLOG_REGISTRY_JAVA_HOME.",
  );
}

/** Quarkus distributions launch through quarkus-run.jar (3.3.x) or a *-runner.jar (3.0.x). */
function findLauncher(folder: string, depth = 0): string | undefined {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (name === "quarkus-run.jar" || name.endsWith("-runner.jar")) return path;
    if (depth < 2 && statSync(path).isDirectory()) {
      const found = findLauncher(path, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

async function install(version: string): Promise<string> {
  const folder = stateFolder("registry", "dist", version);
  const complete = join(folder, ".complete");
  if (!existsSync(complete)) {
    await timed(`fetching Apicurio Registry ${version} from Maven Central`, () =>
      runMavenFetch("registry", { "apicurio.version": version, "output.dir": folder }),
    );
    writeFileSync(complete, new Date().toISOString());
  }
  const launcher = findLauncher(folder);
  if (!launcher) {
    throw new InfraError("REGISTRY_INSTALL_INCOMPLETE", `No quarkus-run.jar or *-runner.jar under ${folder}.`, `Delete ${folder} and run again.`);
  }
  return launcher;
}

export async function registryReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

export function registryPid(): number | undefined {
  return runningPid(NAME, MARKER);
}

/**
 * Starts Apicurio with PostgreSQL storage (database `hooklog_registry`), so schema ids handed out
 * before a restart still decode after it; clients speak only its Confluent-compatible API.
 */
export async function startRegistry(
  database: PostgresEndpoint,
  settings: RegistrySettings = registrySettings(),
): Promise<{ url: string; started: boolean; version: string | undefined }> {
  const url = registryUrl(settings.port);
  if (registryPid() !== undefined) return { url, started: false, version: undefined };
  await ensurePortFree(settings.port, "Apicurio Registry", "HOOKLOG_REGISTRY_PORT");

  const runtime = chooseRegistryRuntime(settings);
  const launcher = await install(runtime.version);
  const spec: DaemonSpec = {
    name: NAME,
    marker: MARKER,
    command: runtime.java.executable,
    args: [MARKER, `-Xms64m`, `-Xmx${settings.heap}`, "-XX:+UseSerialGC", "-Djava.awt.headless=true", "-jar", launcher],
    env: {
      ...process.env,
      QUARKUS_HTTP_HOST: "127.0.0.1",
      QUARKUS_HTTP_PORT: String(settings.port),
      APICURIO_STORAGE_KIND: "sql",
      APICURIO_STORAGE_SQL_KIND: "postgresql",
      APICURIO_DATASOURCE_URL: `jdbc:postgresql://${database.host}:${database.port}/${database.registryDatabase}`,
      APICURIO_DATASOURCE_USERNAME: database.user,
      APICURIO_DATASOURCE_PASSWORD: database.password || "unused-with-trust-auth",
    },
    logFile: logFile(NAME),
  };
  await timed(`starting Apicurio Registry ${runtime.version} (Java ${runtime.java.major}) on ${url}`, async () => {
    startDaemon(spec);
    await awaitReady(spec, () => registryReady(url), 120_000);
  });
  return { url, started: true, version: runtime.version };
}

export function stopRegistry(): Promise<boolean> {
  return stopDaemon(NAME, MARKER, 20_000);
}

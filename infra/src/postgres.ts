import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { awaitReady, ensurePortFree, runningPid, startDaemon, stopDaemon, type DaemonSpec } from "./daemon.ts";
import { InfraError } from "./errors.ts";
import { logFile, stateFolder } from "./paths.ts";
import { timed } from "./progress.ts";

export const APP_DATABASE = "hooklog";
const EMBEDDED_NAME = "postgres";
const EMBEDDED_MARKER = "embedded-postgres-daemon";

export type PostgresKind = "external" | "local" | "embedded";

export interface PostgresEndpoint {
  kind: PostgresKind;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The application's database; `url` points at it. */
  database: string;
  registryDatabase: string;
  url: string;
}

function endpointFromUrl(kind: PostgresKind, url: string): PostgresEndpoint {
  const parsed = new URL(url);
  const database = parsed.pathname.replace(/^\//, "") || APP_DATABASE;
  if (!parsed.protocol.startsWith("postgres")) {
    throw new InfraError(
      "DATABASE_URL_INVALID",
      `DATABASE_URL must be a postgres:// URL (got protocol ${parsed.protocol}).`,
      "Set DATABASE_URL=postgres://user:password@host:5432/hooklog.",
    );
  }
  return {
    kind,
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || "postgres"),
    password: decodeURIComponent(parsed.password),
    database,
    // Beside the application's database, so two stacks on one server (a second checkout) stay apart.
    registryDatabase: `${database}_registry`,
    url,
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(endpoint: PostgresEndpoint, database: string): string {
  const url = new URL(endpoint.url);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates the application and registry databases where missing; the server must already answer. */
async function ensureDatabases(endpoint: PostgresEndpoint): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(endpoint, "postgres"), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    for (const name of [endpoint.database, endpoint.registryDatabase]) {
      const found = await client.query("select 1 from pg_database where datname = $1", [name]);
      if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
    }
  } catch (error) {
    throw new InfraError(
      "POSTGRES_UNUSABLE",
      `PostgreSQL at ${endpoint.host}:${endpoint.port} refused to create the databases ${endpoint.database} and ${endpoint.registryDatabase}: ${(error as Error).message}`,
      "Create them yourself, or give the DATABASE_URL user the CREATEDB right.",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function embeddedEndpoint(env: NodeJS.ProcessEnv): PostgresEndpoint {
  const port = Number(env.HOOKLOG_EMBEDDED_POSTGRES_PORT ?? 5433);
  return endpointFromUrl("embedded", `postgres://postgres:postgres@127.0.0.1:${port}/${APP_DATABASE}`);
}

async function startEmbedded(endpoint: PostgresEndpoint): Promise<boolean> {
  if (runningPid(EMBEDDED_NAME, EMBEDDED_MARKER) !== undefined) return false;
  await ensurePortFree(endpoint.port, "the embedded PostgreSQL", "HOOKLOG_EMBEDDED_POSTGRES_PORT");
  const dataDir = join(stateFolder("postgres"), "data");
  const spec: DaemonSpec = {
    name: EMBEDDED_NAME,
    marker: EMBEDDED_MARKER,
    command: process.execPath,
    args: [join(import.meta.dirname, `${EMBEDDED_MARKER}.ts`), dataDir, String(endpoint.port)],
    logFile: logFile(EMBEDDED_NAME),
  };
  const firstStart = !existsSync(join(dataDir, "PG_VERSION"));
  await timed(`starting the embedded PostgreSQL on 127.0.0.1:${endpoint.port}${firstStart ? " (first start: initdb)" : ""}`, async () => {
    startDaemon(spec);
    await awaitReady(spec, () => answers(withDatabase(endpoint, "postgres")), 120_000);
  });
  return true;
}

/**
 * DATABASE_URL when set; otherwise a PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) if one
 * answers; otherwise an embedded PostgreSQL from npm, kept in the state directory.
 */
export async function startPostgres(env: NodeJS.ProcessEnv = process.env): Promise<{ endpoint: PostgresEndpoint; started: boolean }> {
  let endpoint: PostgresEndpoint;
  let started = false;
  if (env.DATABASE_URL) {
    endpoint = endpointFromUrl("external", env.DATABASE_URL);
    if (!(await answers(withDatabase(endpoint, "postgres"))) && !(await answers(endpoint.url))) {
      throw new InfraError(
        "POSTGRES_UNREACHABLE",
        `DATABASE_URL (${endpoint.host}:${endpoint.port}) does not answer.`,
        "Start that PostgreSQL or unset DATABASE_URL to use a local or embedded one.",
      );
    }
  } else {
    const local = endpointFromUrl("local", `postgres://postgres@127.0.0.1:5432/${APP_DATABASE}`);
    if (!env.HOOKLOG_EMBEDDED_POSTGRES && (await answers(withDatabase(local, "postgres")))) {
      endpoint = local;
    } else {
      endpoint = embeddedEndpoint(env);
      started = await startEmbedded(endpoint);
    }
  }
  await ensureDatabases(endpoint);
  return { endpoint, started };
}

export function embeddedPostgresPid(): number | undefined {
  return runningPid(EMBEDDED_NAME, EMBEDDED_MARKER);
}

export function stopEmbeddedPostgres(): Promise<boolean> {
  return stopDaemon(EMBEDDED_NAME, EMBEDDED_MARKER);
}

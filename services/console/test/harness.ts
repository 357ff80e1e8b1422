import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { catalogMigrations } from "@hooklog/event-catalog";
import type { AdminToken } from "@hooklog/config";
import { consumerKitMigrations } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { createLogger } from "@hooklog/logging";
import { loadSources } from "@hooklog/sources";
import { testStack } from "@hooklog/testkit";
import { createConsoleApp } from "../src/app.ts";
import { ActionLog } from "../src/audit.ts";
import { SessionStore } from "../src/auth/sessions.ts";
import { tokenCheck } from "../src/auth/tokens.ts";
import type { ConsoleDeps } from "../src/deps.ts";
import { payloadFromLog } from "../src/events/log-payload.ts";
import { createConsoleMetrics } from "../src/metrics.ts";
import { consoleMigrations } from "../src/migrations/index.ts";

export const ALICE: AdminToken = { name: "alice", token: "hla_alice-console-token-0001" };
export const BOB: AdminToken = { name: "token 2", token: "hla_bob-console-token-000002" };

export interface ConsoleUnderTest {
  url: string;
  db: Knex;
  deps: ConsoleDeps;
  close(): Promise<void>;
}

/** The console app on a port of its own, over the real Postgres (every table it reads migrated) and Kafka. */
export async function startConsole(options: { tokens?: AdminToken[]; overrides?: Partial<ConsoleDeps> } = {}): Promise<ConsoleUnderTest> {
  const stack = await testStack();
  const db = connectDatabase(stack.databaseUrl, { applicationName: "hooklog-console-test" });
  await migrateLatest(db, [consumerKitMigrations, catalogMigrations, consoleMigrations]);
  const deps: ConsoleDeps = {
    db,
    kafkaBrokers: stack.kafkaBrokers.split(","),
    sources: loadSources(),
    tokens: tokenCheck(options.tokens ?? [ALICE, BOB]),
    sessions: new SessionStore({ idleMs: 60_000 }),
    actions: new ActionLog(db),
    traceUrl: "http://127.0.0.1:9411/zipkin/traces/{traceId}",
    payloadFromLog: payloadFromLog({ kafkaBrokers: stack.kafkaBrokers.split(","), schemaRegistryUrl: stack.schemaRegistryUrl }),
    reconciliation: { url: "http://127.0.0.1:9", token: (options.tokens ?? [ALICE])[0]?.token },
    logger: createLogger({ service: "console-test", level: "silent" }),
    metrics: createConsoleMetrics(),
    trustProxy: false,
    ...options.overrides,
  };
  const server: Server = createServer(createConsoleApp(deps));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    deps,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}

/** Signs in through the form as a browser would: the session cookie and the page's CSRF token. */
export async function signIn(url: string, token: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/signin`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, next: "/events" }),
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (response.status !== 303 || !cookie) throw new Error(`sign-in answered ${response.status}`);
  const page = await fetch(`${url}/events`, { headers: { cookie } }).then((answer) => answer.text());
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1];
  if (!csrf) throw new Error("the events page carries no CSRF token");
  return { cookie, csrf };
}

// The one way these tests start reconciliation: a sources file of their own with unique source and
// topic names, the real Kafka, registry and Postgres from the testkit, and the service in-process
// (or ingest and fulfillment as processes, as production runs them).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { connectDatabase, type Knex } from "@hooklog/db";
import { SchemaRegistryClient, createKafka, ensureTopics } from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { secretEnvVar } from "@hooklog/sources";
import { readTopic, startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import Stripe from "stripe";
import { loadReconciliationConfig } from "../src/config.ts";
import { createReconciliationService, type ReconciliationService } from "../src/service.ts";

export interface SourceSpec {
  provider: "stripe" | "github" | "standard-webhooks";
  eventTypes?: string[];
  githubHooks?: Array<{ owner: string; repo: string; hookId: number }>;
}

export interface SourceUnderTest {
  name: string;
  topic: string;
  secret: string;
}

export interface TopicRecord {
  partition: number;
  key: string | undefined;
  headers: Record<string, string>;
  envelope: WebhookEvent;
}

export interface RunRow {
  source: string;
  window_start: Date;
  window_end: Date;
  events_seen: number;
  gaps_found: number;
  backfilled: number;
  errors: Array<{ severity: string; code: string; message: string; requestId?: string }>;
  finished_at: Date | null;
  duration_ms: number | null;
}

export interface Stack {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
}

/** A sources file of unique names, its topics created; `roles` name the sources as the test refers to them. */
export interface SourcesFile<Role extends string> {
  stack: Stack;
  path: string;
  sources: Record<Role, SourceUnderTest>;
  /** KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, HOOKLOG_CONFIG and every source's webhook secret. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function writeSourcesFile<Role extends string>(specs: Record<Role, SourceSpec>): Promise<SourcesFile<Role>> {
  const stack = await testStack();
  const roles = Object.keys(specs) as Role[];
  const sources = {} as Record<Role, SourceUnderTest>;
  // Unique per run: the dedup ledger, checkpoints and locks in the shared Postgres are keyed by source name.
  for (const role of roles)
    sources[role] = { name: uniqueName(role), topic: uniqueName(`webhooks.${role}`), secret: `whsec_${randomBytes(16).toString("hex")}` };
  const directory = await mkdtemp(join(tmpdir(), "hooklog-reconciliation-test-"));
  const path = join(directory, "hooklog.config.yaml");
  const file = { sources: Object.fromEntries(roles.map((role) => [sources[role].name, { topic: sources[role].topic, partitions: 3, ...specs[role] }])) };
  // YAML is a superset of JSON, so the sources file is written as JSON.
  await writeFile(path, JSON.stringify(file, null, 2));
  const kafka = createKafka({ clientId: "reconciliation-test", brokers: stack.kafkaBrokers.split(",") });
  await ensureTopics(
    kafka,
    roles.map((role) => ({ name: sources[role].topic, partitions: 3 })),
  );
  const env = {
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    DATABASE_URL: stack.databaseUrl,
    HOOKLOG_CONFIG: path,
    ...Object.fromEntries(roles.map((role) => [secretEnvVar(sources[role].name), sources[role].secret])),
  };
  return { stack, path, sources, env, remove: () => rm(directory, { recursive: true, force: true }) };
}

export interface ReconciliationHarness<Role extends string> extends SourcesFile<Role> {
  service: ReconciliationService;
  db: Knex;
  logText(): string;
  logLines(): Array<Record<string, unknown>>;
  /** The admin server on a free port. */
  listen(): Promise<string>;
  /** Every envelope on the topic of `role`, as far as it holds as the read begins: a run answers once Kafka has acknowledged what it wrote. */
  readEnvelopes(role: Role): Promise<TopicRecord[]>;
  runRows(role: Role): Promise<RunRow[]>;
  checkpoint(role: Role): Promise<Date | undefined>;
  setCheckpoint(role: Role, at: Date): Promise<void>;
  /** Another instance of the service on the same sources and database, as a second replica would be. */
  secondInstance(): Promise<ReconciliationService>;
  stop(): Promise<void>;
}

/** Short backoff so retries take milliseconds; the interval off, so only the test starts runs. */
const TEST_SETTINGS = { RECONCILIATION_INTERVAL_SECONDS: "0", RECONCILIATION_BACKOFF_BASE_MS: "20", RECONCILIATION_MAX_ATTEMPTS: "4", LOG_LEVEL: "info" };

export async function startReconciliation<Role extends string>(
  specs: Record<Role, SourceSpec>,
  env: Record<string, string>,
): Promise<ReconciliationHarness<Role>> {
  const file = await writeSourcesFile(specs);
  const config = loadReconciliationConfig({ ...file.env, ...TEST_SETTINGS, ...env });
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ service: "reconciliation", level: "info", destination });
  const service = createReconciliationService(config, logger);
  await service.start();
  const others: ReconciliationService[] = [];
  const db = connectDatabase(file.stack.databaseUrl, { applicationName: "reconciliation-test", poolMax: 2 });
  const registry = new SchemaRegistryClient(file.stack.schemaRegistryUrl);

  return {
    ...file,
    service,
    db,
    logText: () => chunks.join(""),
    logLines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async listen() {
      service.server.listen(0, "127.0.0.1");
      await new Promise<void>((resolve, reject) => {
        service.server.once("listening", resolve);
        service.server.once("error", reject);
      });
      return `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
    },
    async readEnvelopes(role) {
      const { topic } = file.sources[role];
      const codec = await webhookEventCodec(registry, topic);
      const messages = await readTopic(file.stack.kafkaBrokers, topic, { toEnd: true, timeoutMs: 30_000 });
      return Promise.all(
        messages.map(async (message) => ({
          partition: message.partition,
          key: message.key?.toString("utf8"),
          headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, String(value)])),
          envelope: await codec.decode(message.value as Buffer),
        })),
      );
    },
    runRows: (role) => db("reconciliation_runs").where({ source: file.sources[role].name }).orderBy("id").select<RunRow[]>("*"),
    async checkpoint(role) {
      const row = (await db("reconciliation_checkpoints").where({ source: file.sources[role].name }).first("checkpoint")) as { checkpoint: Date } | undefined;
      return row?.checkpoint;
    },
    async setCheckpoint(role, at) {
      await db("reconciliation_checkpoints").insert({ source: file.sources[role].name, checkpoint: at }).onConflict("source").merge();
    },
    async secondInstance() {
      const other = createReconciliationService(config, logger);
      await other.start();
      others.push(other);
      return other;
    },
    async stop() {
      if (service.server.listening) {
        service.server.closeAllConnections();
        await new Promise<void>((resolve) => service.server.close(() => resolve()));
      }
      await Promise.all([service, ...others].map((each) => each.stop()));
      await db.destroy();
      await file.remove();
    },
  };
}

/** Ingest as production runs it, on the same sources file: the webhooks' side of the dedup ledger. */
export async function startIngestProcess(env: Record<string, string>): Promise<ServiceProcess> {
  return startServiceProcess("ingest", env, "INGEST_PORT");
}

/** Signs `body` as Stripe does and POSTs it to ingest's `/webhooks/<source>`. */
export async function postStripeWebhook(ingestUrl: string, source: SourceUnderTest, body: string): Promise<{ status: number; json: unknown }> {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: source.secret });
  const response = await fetch(`${ingestUrl}/webhooks/${source.name}`, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "stripe-signature": signature,
    },
    body,
  });
  return { status: response.status, json: (await response.json()) as unknown };
}

/** Runs `task` over `items` with at most `limit` in flight, results in order. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let offset = 0; offset < items.length; offset += limit) results.push(...(await Promise.all(items.slice(offset, offset + limit).map(task))));
  return results;
}

// The one way these tests start ingest: a sources file of their own with unique source and topic
// names, the real Kafka, registry and Postgres from the testkit, and the service on a free port.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { connectDatabase } from "@hooklog/db";
import { SIGNED_CONTENT_KEY_PREFIX } from "@hooklog/event-log";
import {
  MAX_SOURCE_BODY_BYTES,
  SchemaRegistryClient,
  createKafka,
  createRecordCodec,
  deliveryTopicSpec,
  ensureTopics,
  valueSubject,
  webhookTopicSpec,
  type IHeaders,
} from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { latestSchema, webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { secretEnvVar } from "@hooklog/sources";
import { readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { loadIngestConfig, type IngestConfig } from "../src/config.ts";
import { DELIVERY, type Delivery } from "@hooklog/schemas";
import { createIngestService, type IngestService } from "../src/service.ts";

/** The sources every harness declares, by the role they play in the tests. */
export type SourceRole = "stripe" | "github" | "standard" | "hmac" | "rotating" | "small" | "limited" | "large" | "compressed" | "filtered";

export interface SourceUnderTest {
  name: string;
  topic: string;
  /** What the source's secret variable holds, in order: index 0 is the current secret. */
  secrets: readonly string[];
}

export const HMAC_OPTIONS = { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=", timestampHeader: "x-timestamp" } as const;
/** The body limit of the `small` source. */
export const SMALL_BODY_LIMIT = 1024;
/** The body limit of the `compressed` source, the one source that takes gzip bodies. */
export const COMPRESSED_BODY_LIMIT = 64 * 1024;
/** The `limited` source lets one request through, then one per 100 s: far longer than a test file runs. */
export const RATE_LIMIT = { requestsPerSecond: 0.01, burst: 1 } as const;

/** The one event type the `filtered` source takes: the others are answered ignored. */
export const FILTERED_TYPE = "invoice.paid";

const stripeSecret = (): string => `whsec_${randomBytes(16).toString("hex")}`;
// Standard Webhooks secrets are base64 key bytes after the whsec_ prefix.
const standardSecret = (): string => `whsec_${randomBytes(24).toString("base64")}`;
const plainSecret = (): string => randomBytes(20).toString("hex");

function declareSources(): Record<SourceRole, { provider: string; secrets: string[]; extra?: Record<string, unknown> }> {
  return {
    stripe: { provider: "stripe", secrets: [stripeSecret()] },
    github: { provider: "github", secrets: [plainSecret()] },
    standard: { provider: "standard-webhooks", secrets: [standardSecret()] },
    hmac: { provider: "hmac", secrets: [plainSecret()], extra: { hmac: HMAC_OPTIONS } },
    rotating: { provider: "stripe", secrets: [stripeSecret(), stripeSecret()] },
    small: { provider: "stripe", secrets: [stripeSecret()], extra: { maxBodyBytes: SMALL_BODY_LIMIT } },
    limited: { provider: "stripe", secrets: [stripeSecret()], extra: { rateLimit: RATE_LIMIT } },
    large: { provider: "github", secrets: [plainSecret()], extra: { maxBodyBytes: MAX_SOURCE_BODY_BYTES } },
    compressed: { provider: "stripe", secrets: [stripeSecret()], extra: { maxBodyBytes: COMPRESSED_BODY_LIMIT, contentEncodings: ["gzip"] } },
    filtered: { provider: "stripe", secrets: [stripeSecret()], extra: { eventTypes: [FILTERED_TYPE] } },
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface TopicRecord {
  key: string | undefined;
  headers: IHeaders;
  envelope: WebhookEvent;
}

export interface IngestHarness {
  /** Base URL of the running ingest's public port; changes on restart. */
  readonly url: string;
  /** Base URL of its operations port (/metrics, /readyz); changes on restart. */
  readonly opsUrl: string;
  readonly sources: Readonly<Record<SourceRole, SourceUnderTest>>;
  /** Every line ingest has logged so far, parsed, and the raw text (to search for leaks). */
  logLines(): LogLine[];
  logText(): string;
  /** Stops ingest and starts a new instance with the same configuration (and the same ledger). */
  restart(): Promise<void>;
  /** Creates the source's topic, as `npm start` would (for a source started `withoutTopics`). */
  createTopic(role: SourceRole): Promise<void>;
  /** Sets the source topic's own configs, as an operator would (Kafka's AlterConfigs: those not given return to the broker's defaults). */
  alterTopic(role: SourceRole, configs: Record<string, string>): Promise<void>;
  /** Deletes the source's topic, as an operator's mistake would. */
  deleteTopic(role: SourceRole): Promise<void>;
  /** The provider event ids the dedup ledger holds for the source. */
  ledgerIds(role: SourceRole): Promise<string[]>;
  /**
   * Reads the source's topic from the beginning to its end as it stands when the read begins, and decodes
   * every envelope with the registry's schema. Ingest answers 2xx once Kafka has acknowledged the event,
   * so after its answer the topic holds it: nothing to wait for, and one envelope too many is seen.
   */
  readEnvelopes(role: SourceRole, options?: { timeoutMs?: number }): Promise<TopicRecord[]>;
  /** This ingest's deliveries topic (a name of its own, so tests do not share records). */
  readonly deliveryTopic: string;
  /** Creates the deliveries topic (for a harness started `withoutDeliveryTopic`). */
  createDeliveryTopic(): Promise<void>;
  /** Deletes the deliveries topic, as an operator's mistake would. */
  deleteDeliveryTopic(): Promise<void>;
  /** Every record on the deliveries topic as it stands when the read begins, decoded through the registry, with its key. */
  readDeliveries(): Promise<Array<{ key: string | undefined; delivery: Delivery }>>;
  stop(): Promise<void>;
}

interface Running {
  service: IngestService;
  url: string;
  opsUrl: string;
}

/** Listens on a free loopback port; returns its base URL. */
async function listenOnFreePort(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeNow(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // fetch keeps connections alive; without this close() would wait for them to time out.
  server.closeAllConnections();
  await closed;
}

async function startRunning(config: IngestConfig, destination: Writable): Promise<Running> {
  const service = createIngestService(config, createLogger({ service: "ingest", level: "info", destination }));
  await service.start();
  return { service, url: await listenOnFreePort(service.server), opsUrl: await listenOnFreePort(service.operations) };
}

async function stopRunning(running: Running): Promise<void> {
  await closeNow(running.service.server);
  await closeNow(running.service.operations);
  await running.service.stop();
}

export interface IngestHarnessOptions {
  /** Sources whose topic is not created before ingest starts: provisioning that lags a new source. */
  withoutTopics?: readonly SourceRole[];
  /** The deliveries topic is not created: ingest must take events regardless. */
  withoutDeliveryTopic?: boolean;
}

/** `env` overrides ingest settings, e.g. a short INGEST_PRODUCE_TIMEOUT_MS. */
export async function startIngest(env: Record<string, string> = {}, options: IngestHarnessOptions = {}): Promise<IngestHarness> {
  const stack = await testStack();
  const declared = declareSources();
  const roles = Object.keys(declared) as SourceRole[];
  const sources = {} as Record<SourceRole, SourceUnderTest>;
  // Unique per run: the dedup ledger in the shared Postgres is keyed by source name.
  for (const role of roles) sources[role] = { name: uniqueName(role), topic: uniqueName(`webhooks.${role}`), secrets: declared[role].secrets };

  const directory = await mkdtemp(join(tmpdir(), "hooklog-ingest-test-"));
  const configPath = join(directory, "hooklog.config.yaml");
  const file = {
    sources: Object.fromEntries(
      roles.map((role) => [sources[role].name, { provider: declared[role].provider, topic: sources[role].topic, partitions: 3, ...declared[role].extra }]),
    ),
  };
  // YAML is a superset of JSON, so the sources file is written as JSON.
  await writeFile(configPath, JSON.stringify(file, null, 2));

  const kafka = createKafka({ clientId: "ingest-test", brokers: stack.kafkaBrokers.split(",") });
  // As `npm start` declares them: sized for the source's largest body.
  const topicOf = (role: SourceRole) =>
    webhookTopicSpec({ topic: sources[role].topic, partitions: 3, maxBodyBytes: (declared[role].extra?.maxBodyBytes as number | undefined) ?? 1024 * 1024 });
  await ensureTopics(kafka, roles.filter((role) => !options.withoutTopics?.includes(role)).map(topicOf));
  const deliveryTopic = uniqueName("hooklog.Delivery");
  const deliveryTopicOf = () => ({ ...deliveryTopicSpec(), name: deliveryTopic });
  if (!options.withoutDeliveryTopic) await ensureTopics(kafka, [deliveryTopicOf()]);

  const config = loadIngestConfig({
    ...process.env,
    HOOKLOG_CONFIG: configPath,
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    DATABASE_URL: stack.databaseUrl,
    LOG_LEVEL: "info",
    INGEST_PRODUCE_TIMEOUT_MS: "10000",
    INGEST_DELIVERY_TOPIC: deliveryTopic,
    ...Object.fromEntries(Object.values(sources).map((source) => [secretEnvVar(source.name), source.secrets.join(",")])),
    ...env,
  });

  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  let running = await startRunning(config, destination);
  const registry = new SchemaRegistryClient(stack.schemaRegistryUrl);

  return {
    get url() {
      return running.url;
    },
    get opsUrl() {
      return running.opsUrl;
    },
    sources,
    logText: () => chunks.join(""),
    logLines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as LogLine),
    async restart() {
      await stopRunning(running);
      running = await startRunning(config, destination);
    },
    async createTopic(role) {
      await ensureTopics(kafka, [topicOf(role)]);
    },
    async alterTopic(role, configs) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: 2 /* TOPIC */, name: sources[role].topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
        });
      } finally {
        await admin.disconnect();
      }
    },
    async deleteTopic(role) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [sources[role].topic] });
      } finally {
        await admin.disconnect();
      }
    },
    async ledgerIds(role) {
      const db = connectDatabase(stack.databaseUrl, { applicationName: "ingest-test", poolMax: 1 });
      try {
        const rows = (await db("accepted_events")
          .where({ source: sources[role].name })
          .whereNot("provider_event_id", "like", `${SIGNED_CONTENT_KEY_PREFIX}%`)
          .select("provider_event_id")) as Array<{ provider_event_id: string }>;
        return rows.map((row) => row.provider_event_id);
      } finally {
        await db.destroy();
      }
    },
    async readEnvelopes(role, readOptions = {}) {
      const { topic } = sources[role];
      const codec = await webhookEventCodec(registry, topic);
      const messages = await readTopic(stack.kafkaBrokers, topic, { toEnd: true, timeoutMs: readOptions.timeoutMs ?? 30_000 });
      return Promise.all(
        messages.map(async (message) => {
          if (!message.value) throw new Error(`a message on ${topic} has no value`);
          return { key: message.key?.toString("utf8"), headers: message.headers, envelope: await codec.decode(message.value) };
        }),
      );
    },
    deliveryTopic,
    async createDeliveryTopic() {
      await ensureTopics(kafka, [deliveryTopicOf()]);
    },
    async deleteDeliveryTopic() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [deliveryTopic] });
      } finally {
        await admin.disconnect();
      }
    },
    async readDeliveries() {
      const codec = await createRecordCodec<Delivery>(registry, valueSubject(deliveryTopic), latestSchema(DELIVERY).schema);
      const messages = await readTopic(stack.kafkaBrokers, deliveryTopic, { toEnd: true, timeoutMs: 30_000 });
      return Promise.all(
        messages.map(async (message) => {
          if (!message.value) throw new Error(`a message on ${deliveryTopic} has no value`);
          return { key: message.key?.toString("utf8"), delivery: await codec.decode(message.value) };
        }),
      );
    },
    async stop() {
      await stopRunning(running);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

// npm run bench:consumers — events per second applied with exactly-once bookkeeping into Postgres:
// the kit's batched path against a naive consumer (one transaction and one offset commit per
// message), in the same run, on the same topic, each after a warm-up; then the time from a signed
// POST at ingest to its committed effect, at 200 events/s and at half the kit's measured maximum,
// with the load generator in a process of its own and the effect's time taken when its transaction
// commits (a NOTIFY, which Postgres delivers at commit); and the machine's floor: the same load's
// answer p99 from a bare node:http server.
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { up } from "@hooklog/infra";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { startServiceProcess } from "@hooklog/testkit";
import type { PostedEvent } from "./post-load.ts";
import { startTelemetry } from "@hooklog/telemetry";
import { createConsumerMetrics, defineConsumer, startConsumer } from "../src/index.ts";
import { consumerKitMigrations } from "../src/migrations/index.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
/** Events applied before the rate is measured: the group's join, the first fetches and JIT warm-up. */
const WARMUP_EVENTS = Number(process.env.BENCH_WARMUP_EVENTS ?? 1000);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 10);
const E2E_WARMUP_S = 2;
const runId = randomBytes(3).toString("hex");
const logger = createLogger({ service: "bench-consumers", level: "warn" });
startTelemetry({ serviceName: "bench-consumers", serviceVersion: "0", otlpEndpoint: undefined, traceFile: undefined });

const { endpoints } = await up();
const brokers = endpoints.kafkaBrokers.split(",");
const db = connectDatabase(endpoints.databaseUrl, { poolMax: 10 });
await migrateLatest(db, [consumerKitMigrations]);
const kafka = createKafka({ clientId: "bench-consumers", brokers });
const source = `bench-${runId}`;
const topic = `bench.webhooks.${runId}`;
await ensureTopics(kafka, [{ name: topic, partitions: 6 }]);
const projection = `bench_orders_${runId}`;
await db.schema.createTable(projection, (table) => {
  table.text("event_key").primary();
  table.text("type").notNullable();
  table.timestamp("applied_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
});

console.log(`bench:consumers — ${EVENTS} events measured after ${WARMUP_EVENTS} of warm-up, 6 partitions, Kafka ${endpoints.kafkaVersion}`);
const TOTAL = WARMUP_EVENTS + EVENTS;
const codec = await webhookEventCodec(new SchemaRegistryClient(endpoints.schemaRegistryUrl), topic);
const producer = createIdempotentProducer(kafka);
await producer.connect();
for (let start = 0; start < TOTAL; start += 1000) {
  const messages = await Promise.all(
    Array.from({ length: Math.min(1000, TOTAL - start) }, async (_, index) => {
      const providerEventId = `evt_${runId}_${start + index}`;
      const event: WebhookEvent = {
        id: randomUUID(),
        source,
        provider: "stripe",
        providerEventId,
        type: "invoice.paid",
        providerTimestamp: null,
        receivedAt: Date.now(),
        origin: "webhook",
        verification: { scheme: "stripe-v1", secretIndex: 0 },
        contentType: "application/json",
        headers: {},
        payload: Buffer.from(JSON.stringify({ id: providerEventId, type: "invoice.paid", data: { object: { id: `in_${index}` } } })),
      };
      return { key: providerEventId, value: await codec.encode(event) };
    }),
  );
  await producer.send({ topic, acks: -1, messages });
}
await producer.disconnect();

async function appliedCount(database: Knex, table: string): Promise<number> {
  return Number(((await database(table).count("* as n")) as Array<{ n: string }>)[0]?.n ?? 0);
}

/** Events per second between the end of the warm-up (WARMUP_EVENTS applied) and the last effect. */
async function measure(table: string): Promise<number> {
  let from: { at: number; count: number } | undefined;
  for (;;) {
    const count = await appliedCount(db, table);
    if (count >= WARMUP_EVENTS && from === undefined) from = { at: performance.now(), count };
    if (from && count >= TOTAL) return ((count - from.count) / (performance.now() - from.at)) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// (1) the kit's batched path
const kitName = `bench-kit-${runId}`;
const kit = await startConsumer(
  defineConsumer({
    name: kitName,
    subscriptions: [
      {
        topic,
        on: {
          "invoice.paid": async (event, context) => {
            await context.trx(projection).insert({ event_key: event.key, type: event.type });
          },
        },
      },
    ],
  }),
  { kafkaBrokers: brokers, schemaRegistryUrl: endpoints.schemaRegistryUrl, db, logger },
);
const kitRate = await measure(projection);
await kit.stop();
console.log(`(1) consumer kit, batched          ${kitRate.toFixed(0).padStart(7)} events/s`);

// (2) naive: one transaction and one offset commit per message
const naiveTable = `${projection}_naive`;
await db.schema.createTable(naiveTable, (table) => {
  table.text("event_key").primary();
  table.text("type").notNullable();
});
const naiveName = `bench-naive-${runId}`;
const naive = kafka.consumer({ groupId: `hooklog.${naiveName}` });
await naive.connect();
await naive.subscribe({ topics: [topic], fromBeginning: true });
const registry = new SchemaRegistryClient(endpoints.schemaRegistryUrl);
void naive.run({
  autoCommit: false,
  eachMessage: async ({ partition, message }) => {
    const event = (await registry.decode(message.value as Buffer)) as WebhookEvent;
    const key = `${event.source}:${event.providerEventId}`;
    await db.transaction(async (trx) => {
      const marked = await trx("processed_events")
        .insert({ consumer: naiveName, event_key: key, event_id: event.id })
        .onConflict(["consumer", "event_key"])
        .ignore()
        .returning("event_key");
      if (marked.length > 0) await trx(naiveTable).insert({ event_key: key, type: event.type });
    });
    await naive.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  },
});
const naiveRate = await measure(naiveTable);
await naive.disconnect();
console.log(`(2) naive, 1 transaction/message   ${naiveRate.toFixed(0).padStart(7)} events/s`);
console.log(`ratio kit/naive = ${(kitRate / naiveRate).toFixed(1)} (target >= 5: ${kitRate / naiveRate >= 5 ? "met" : "NOT met"})`);
console.log("");

// (3) end to end: signed POST at ingest → Kafka → kit → committed effect.
const secret = `whsec_${randomBytes(16).toString("hex")}`;
const e2eSource = `e2e-${runId}`;
const e2eTopic = `bench.e2e.${runId}`;
await ensureTopics(kafka, [{ name: e2eTopic, partitions: 6 }]);
const folder = mkdtempSync(join(tmpdir(), "hooklog-bench-"));
writeFileSync(join(folder, "hooklog.config.yaml"), `sources:\n  ${e2eSource}:\n    provider: stripe\n    topic: ${e2eTopic}\n`);
const ingest = await startServiceProcess(
  "ingest",
  {
    HOOKLOG_CONFIG: join(folder, "hooklog.config.yaml"),
    [`${e2eSource.toUpperCase().replaceAll("-", "_")}_WEBHOOK_SECRET`]: secret,
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: endpoints.databaseUrl,
  },
  "INGEST_PORT",
);
const e2eTable = `${projection}_e2e`;
await db.schema.createTable(e2eTable, (table) => {
  table.text("event_key").primary();
});
// Postgres delivers a NOTIFY when, and only if, the transaction that sent it commits: its arrival
// is the effect's commit, as a reader of the projection would first see it.
const channel = `bench_e2e_${runId}`;
const committedAt = new Map<string, number[]>();
const listener = (await db.client.acquireConnection()) as {
  query(text: string): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): void;
};
listener.on("notification", (message) => {
  if (message.channel !== channel || message.payload === undefined) return;
  const at = performance.timeOrigin + performance.now();
  committedAt.set(message.payload, [...(committedAt.get(message.payload) ?? []), at]);
});
await listener.query(`listen ${channel}`);
const e2eMetrics = createConsumerMetrics();
const e2e = await startConsumer(
  defineConsumer({
    name: `bench-e2e-${runId}`,
    subscriptions: [
      {
        topic: e2eTopic,
        on: {
          "invoice.paid": async (event, context) => {
            await context.trx(e2eTable).insert({ event_key: event.key });
            await context.trx.raw("select pg_notify(?, ?)", [channel, event.key]);
          },
        },
      },
    ],
  }),
  { kafkaBrokers: brokers, schemaRegistryUrl: endpoints.schemaRegistryUrl, db, logger, metrics: e2eMetrics },
);
await e2e.joined;

/** Runs the load generator against `url` at `rate` for E2E_SECONDS after its warm-up, and returns what it sent. */
function postLoad(url: string, path: string, rate: number, prefix: string): Promise<PostedEvent[]> {
  const child = fork(join(import.meta.dirname, "post-load.ts"), [], {
    env: {
      ...process.env,
      URL: url,
      PATH_NAME: path,
      SECRET: secret,
      RATE: String(rate),
      SECONDS: String(E2E_SECONDS),
      WARMUP_S: String(E2E_WARMUP_S),
      PREFIX: prefix,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message) => resolve((message as { sent: PostedEvent[] }).sent));
    child.once("exit", (code) => reject(new Error(`the load generator exited with ${code} before it reported`)));
  });
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const ms = (value: number): string => `${value.toFixed(0)} ms`;

async function batchReading(): Promise<{ sum: number; count: number; buckets: Map<number, number> }> {
  const values = (await e2eMetrics.batchEvents.get()).values;
  const pick = (name: string) => values.filter((value) => value.metricName === name).reduce((total, value) => total + value.value, 0);
  const buckets = new Map<number, number>();
  for (const value of values.filter((entry) => entry.metricName === "hooklog_consumer_batch_events_bucket")) {
    const le = Number((value.labels as { le?: string | number }).le);
    buckets.set(le, (buckets.get(le) ?? 0) + value.value);
  }
  return { sum: pick("hooklog_consumer_batch_events_sum"), count: pick("hooklog_consumer_batch_events_count"), buckets };
}

interface E2eResult {
  rate: number;
  p50: number;
  p99: number;
  max: number;
  measured: number;
  /** Ingest's answer to the POST, p50 and p99: the part of the time before Kafka has the event. */
  answered: { p50: number; p99: number };
  doubled: number;
  missing: number;
  batches: string;
}

async function endToEnd(rate: number): Promise<E2eResult> {
  const before = await batchReading();
  const sent = await postLoad(ingest.url, `/webhooks/${e2eSource}`, rate, `evt_e2e_${runId}_${rate}`);
  const accepted = sent.filter((entry) => entry.status >= 200 && entry.status < 300);
  const keyOf = (entry: PostedEvent): string => `${e2eSource}:${entry.providerEventId}`;
  const deadline = Date.now() + 60_000;
  while (accepted.some((entry) => !committedAt.has(keyOf(entry))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const after = await batchReading();
  const latencies = accepted
    .filter((entry) => !entry.warmup && committedAt.has(keyOf(entry)))
    .map((entry) => (committedAt.get(keyOf(entry))?.[0] ?? Number.NaN) - entry.dueAt)
    .sort((x, y) => x - y);
  const answers = accepted
    .filter((entry) => !entry.warmup)
    .map((entry) => entry.answeredAt - entry.dueAt)
    .sort((x, y) => x - y);
  const batches = after.count - before.count;
  const ofOne = (after.buckets.get(1) ?? 0) - (before.buckets.get(1) ?? 0);
  return {
    rate,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    measured: latencies.length,
    answered: { p50: percentile(answers, 50), p99: percentile(answers, 99) },
    doubled: accepted.filter((entry) => (committedAt.get(keyOf(entry))?.length ?? 0) > 1).length,
    missing: accepted.filter((entry) => !committedAt.has(keyOf(entry))).length + (sent.length - accepted.length),
    batches: `${batches} batches, mean ${((after.sum - before.sum) / batches).toFixed(1)} events, ${((100 * ofOne) / batches).toFixed(0)} % of one event`,
  };
}

const target = (value: number, limit: number): string => `(target <= ${limit} ms: ${value <= limit ? "met" : "NOT met"})`;
const e2eRow = (result: E2eResult, targets: { p50?: number; p99: number }): string =>
  `(3) POST → committed effect at ${String(result.rate).padStart(4)} events/s: p50 ${ms(result.p50)} ${targets.p50 ? target(result.p50, targets.p50) : ""}, ` +
  `p99 ${ms(result.p99)} ${target(result.p99, targets.p99)}, max ${ms(result.max)} (ingest's 2xx p50 ${ms(result.answered.p50)}, p99 ${ms(result.answered.p99)}); ` +
  `${result.measured} events after a ${E2E_WARMUP_S} s warm-up, ` +
  `${result.doubled} applied twice, ${result.missing} not applied; ${result.batches}`;

const e2eRate = Number(process.env.BENCH_E2E_RATE ?? 200);
const atRate = await endToEnd(e2eRate);
console.log(e2eRow(atRate, { p50: 25, p99: 80 }));
const halfMax = Math.max(10, Math.floor(kitRate / 2));
const atHalf = await endToEnd(halfMax);
console.log(e2eRow(atHalf, { p99: 80 }));

// The floor: the same generator and rate against a server that only answers.
const bare = createServer((request, response) => {
  request.resume();
  request.on("end", () => response.end('{"status":"ok"}'));
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const barePort = (bare.address() as { port: number }).port;
for (const rate of [e2eRate, halfMax]) {
  const answered = (await postLoad(`http://127.0.0.1:${barePort}`, "/", rate, `floor_${rate}`))
    .filter((entry) => !entry.warmup)
    .map((entry) => entry.answeredAt - entry.dueAt)
    .sort((x, y) => x - y);
  console.log(
    `    the machine's floor at ${String(rate).padStart(4)}/s: a bare node:http server answers the same load in p50 ${ms(percentile(answered, 50))}, p99 ${ms(percentile(answered, 99))}`,
  );
}
bare.close();

await e2e.stop();
await ingest.stop();
await listener.query(`unlisten ${channel}`);
await db.client.releaseConnection(listener);
for (const table of [projection, naiveTable, e2eTable]) await db.schema.dropTableIfExists(table);
await db.destroy();

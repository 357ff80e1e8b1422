// npm run bench:consumers — events per second applied with exactly-once bookkeeping into Postgres:
// the kit's batched path against a naive consumer (one transaction and one offset commit per
// message), in the same run, on the same topic; then end-to-end latency from a signed POST at
// ingest to the committed effect, at half of the measured maximum rate.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { up } from "@hooklog/infra";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { startServiceProcess } from "@hooklog/testkit";
import { startTelemetry } from "@hooklog/telemetry";
import { defineConsumer, startConsumer } from "../src/index.ts";
import { consumerKitMigrations } from "../src/migrations/index.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 10);
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

console.log(`bench:consumers — ${EVENTS} events, 6 partitions, Kafka ${endpoints.kafkaVersion}`);
const codec = await webhookEventCodec(new SchemaRegistryClient(endpoints.schemaRegistryUrl), topic);
const producer = createIdempotentProducer(kafka);
await producer.connect();
for (let start = 0; start < EVENTS; start += 1000) {
  const messages = await Promise.all(
    Array.from({ length: Math.min(1000, EVENTS - start) }, async (_, index) => {
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

/** Events per second between the first applied effect and the last (group join time excluded). */
async function measure(table: string): Promise<number> {
  let first: number | undefined;
  for (;;) {
    const count = await appliedCount(db, table);
    if (count > 0 && first === undefined) first = performance.now();
    if (count >= EVENTS) return (EVENTS / (performance.now() - (first ?? performance.now()))) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
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

// (3) end to end: signed POST at ingest → Kafka → kit → committed effect, at half the maximum rate.
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
  table.timestamp("applied_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
});
const e2e = await startConsumer(
  defineConsumer({
    name: `bench-e2e-${runId}`,
    subscriptions: [
      {
        topic: e2eTopic,
        on: {
          "invoice.paid": async (event, context) => {
            await context.trx(e2eTable).insert({ event_key: event.key });
          },
        },
      },
    ],
  }),
  { kafkaBrokers: brokers, schemaRegistryUrl: endpoints.schemaRegistryUrl, db, logger },
);
await e2e.joined;
// Half of the slower of the two halves: ingest's capacity is measured by bench:ingest; here we take
// half of the kit's rate, capped so the POSTs themselves stay well inside ingest's capacity.
const rate = Math.max(10, Math.min(Math.floor(kitRate / 2), Number(process.env.BENCH_E2E_RATE ?? 200)));
const posted = new Map<string, number>();
const started = Date.now();
let sent = 0;
const inFlight: Array<Promise<unknown>> = [];
while (Date.now() - started < E2E_SECONDS * 1000) {
  const due = started + (sent * 1000) / rate;
  if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  const providerEventId = `evt_e2e_${runId}_${sent}`;
  const body = JSON.stringify({ id: providerEventId, type: "invoice.paid", created: Math.floor(Date.now() / 1000), data: { object: { id: `in_${sent}` } } });
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  posted.set(`${e2eSource}:${providerEventId}`, Date.now());
  inFlight.push(
    fetch(`${ingest.url}/webhooks/${e2eSource}`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${signature}` },
      body,
    }),
  );
  sent += 1;
}
await Promise.all(inFlight);
while ((await appliedCount(db, e2eTable)) < sent) await new Promise((resolve) => setTimeout(resolve, 100));
const rows = (await db(e2eTable).select("event_key", "applied_at")) as Array<{ event_key: string; applied_at: Date }>;
const latencies = rows.map((row) => row.applied_at.getTime() - (posted.get(row.event_key) ?? 0)).sort((a, b) => a - b);
const percentile = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
console.log(
  `(3) end to end at ${rate} events/s for ${E2E_SECONDS} s: POST → committed effect p50 ${percentile(50)} ms, p99 ${percentile(99)} ms (${latencies.length} events)`,
);

await e2e.stop();
await ingest.stop();
for (const table of [projection, naiveTable, e2eTable]) await db.schema.dropTableIfExists(table);
await db.destroy();

// npm run bench:console — (1) the catalog's projection rate against ingest's maximum rate, both
// measured in this run on this machine: the catalog keeps up when its rate is at least ingest's;
// (2) the events list's and search's time with a million events in the catalog, per filter and
// search, against the targets (p99 <= 100 ms for a first page with any filter, <= 300 ms for a
// search through payloads). Everything runs in a throwaway Postgres schema, dropped at the end.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { up } from "@hooklog/infra";
import { KEEP_FOREVER, MAX_SOURCE_BODY_BYTES, createKafka, ensureTopics, webhookTopicSpec } from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { loadSources } from "@hooklog/sources";
import { createConsoleApp } from "../src/app.ts";
import { ActionLog } from "../src/audit.ts";
import { SessionStore } from "../src/auth/sessions.ts";
import { tokenCheck } from "../src/auth/tokens.ts";
import { payloadFromLog } from "../src/events/log-payload.ts";
import { createConsoleMetrics } from "../src/metrics.ts";
import { createBenchSchema, type BenchSchema } from "./bench-schema.ts";
import { startIngestUnderLoad } from "./ingest-rate.ts";
import { loadMillionEvents } from "./million-events.ts";
import { measureProjection, publishEnvelopes } from "./projection-rate.ts";
import { type CaseResult, type QueryCase, deepCursor, explainCase, runCase } from "./query-cases.ts";

const CATALOG_EVENTS = Number(process.env.BENCH_CATALOG_EVENTS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const INGEST_S = Number(process.env.BENCH_INGEST_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const EVENTS_IN_CATALOG = Number(process.env.BENCH_EVENTS_IN_CATALOG ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_QUERY_REQUESTS ?? 50);
const WARMUPS = 5;
/** BENCH_ONLY=projection or BENCH_ONLY=queries runs one half. */
const ONLY = process.env.BENCH_ONLY;
const runId = randomBytes(3).toString("hex");
const logger = createLogger({ service: "bench-console", level: "warn" });
const say = (line: string): void => console.log(line);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const spread = (values: readonly number[], digits = 0): string =>
  `median ${median(values).toFixed(digits)} (range ${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

async function projectionVersusIngest(schema: BenchSchema, endpoints: { kafkaBrokers: string; schemaRegistryUrl: string; databaseUrl: string }) {
  const kafkaBrokers = endpoints.kafkaBrokers.split(",");
  const kafka = createKafka({ clientId: "bench-console", brokers: kafkaBrokers });
  const topic = `bench.console.webhooks.${runId}`;
  const ingestTopic = `bench.console.ingest.${runId}`;
  const deliveriesTopic = `bench.console.Delivery.${runId}`;
  await ensureTopics(kafka, [
    webhookTopicSpec({ topic, partitions: 6, maxBodyBytes: MAX_SOURCE_BODY_BYTES }),
    webhookTopicSpec({ topic: ingestTopic, partitions: 6, maxBodyBytes: MAX_SOURCE_BODY_BYTES }),
    { name: deliveriesTopic, partitions: 6, configs: KEEP_FOREVER },
  ]);
  const source = `bench-${runId}`;
  say(`(1) projection: writing ${CATALOG_EVENTS} envelopes to ${topic} (6 partitions)...`);
  const meanBytes = await publishEnvelopes(
    { kafkaBrokers, schemaRegistryUrl: endpoints.schemaRegistryUrl },
    topic,
    source,
    runId,
    CATALOG_EVENTS,
    (written) => {
      if (written % 5000 === 0 || written === CATALOG_EVENTS) say(`  ${written} written`);
    },
  );
  say(`  payloads ${meanBytes.toFixed(0)} bytes on average`);

  const ingest = await startIngestUnderLoad({ endpoints, topic: ingestTopic, deliveryTopic: deliveriesTopic, runId, connections: CONNECTIONS });
  const catalogRates: number[] = [];
  const ingestRates: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run += 1) {
      const ingestRun = await ingest.measure(INGEST_S);
      ingestRates.push(ingestRun.rps);
      // Each run projects into an empty table, from the beginning, under a consumer name of its own.
      await schema.db("catalog_events").truncate();
      const catalogRate = await measureProjection({
        stack: { kafkaBrokers, schemaRegistryUrl: endpoints.schemaRegistryUrl },
        db: schema.db,
        logger,
        consumerName: `bench-catalog-${runId}-${run}`,
        topic,
        deliveriesTopic,
        source,
        count: CATALOG_EVENTS,
        timeoutMs: 600_000,
      });
      catalogRates.push(catalogRate);
      say(
        `  run ${run}: catalog ${catalogRate.toFixed(0)} events/s, ingest ${ingestRun.rps.toFixed(0)} events/s (non-2xx ${ingestRun.non2xx}, errors ${ingestRun.errors}), ` +
          `catalog/ingest ${(catalogRate / ingestRun.rps).toFixed(2)}`,
      );
    }
  } finally {
    await ingest.stop();
  }
  const ratios = catalogRates.map((rate, index) => rate / (ingestRates[index] as number));
  say("");
  say(`catalog projection   ${spread(catalogRates)} events/s (${CATALOG_EVENTS} events of ~${(meanBytes / 1024).toFixed(1)} KiB, first commit to last)`);
  say(`ingest at its max    ${spread(ingestRates)} events/s (${CONNECTIONS} connections, ${INGEST_S} s per run)`);
  say(`catalog/ingest       ${spread(ratios, 2)} (target >= 1, the catalog keeps up: ${median(ratios) >= 1 ? "met" : "NOT met"})`);
  await schema.db("catalog_events").truncate();
}

async function queriesWithMillionEvents(schema: BenchSchema, endpoints: { kafkaBrokers: string; schemaRegistryUrl: string }) {
  const { db } = schema;
  say("");
  say(`(2) queries: loading ${EVENTS_IN_CATALOG.toLocaleString("en")} events into ${schema.name}.catalog_events...`);
  const loadStarted = performance.now();
  await loadMillionEvents(db, EVENTS_IN_CATALOG, say);
  const size = (await db.raw("select pg_size_pretty(pg_total_relation_size('catalog_events')) as size")).rows[0]?.size as string;
  say(`  loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (catalog_events with its indexes: ${size})`);

  // Values that exist in the data: a Stripe event's provider id and customer from the middle of the range.
  const sample = (await db("catalog_events")
    .where({ source: "bench-stripe" })
    .orderBy("received_at")
    .offset(Math.floor(EVENTS_IN_CATALOG / 4))
    .first("provider_event_id", "partition_key")) as { provider_event_id: string; partition_key: string } | undefined;
  if (!sample) throw new Error("the loaded catalog has no Stripe event to search for");
  const day = 24 * 60 * 60 * 1000;
  const token = `hla_bench-console-${runId}-token`;
  const server: Server = createServer(
    createConsoleApp({
      db,
      kafkaBrokers: endpoints.kafkaBrokers.split(","),
      sources: loadSources(),
      tokens: tokenCheck([{ name: "bench", token }]),
      sessions: new SessionStore({ idleMs: 60_000 }),
      actions: new ActionLog(db),
      traceUrl: "http://127.0.0.1:9411/zipkin/traces/{traceId}",
      payloadFromLog: payloadFromLog({ kafkaBrokers: endpoints.kafkaBrokers.split(","), schemaRegistryUrl: endpoints.schemaRegistryUrl }),
      reconciliation: { url: "http://127.0.0.1:9", token },
      logger,
      metrics: createConsoleMetrics(),
      trustProxy: false,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const cursor = await deepCursor(base, token, 20);
    const cases: QueryCase[] = [
      { name: "first page, no filter", query: {}, targetMs: 100 },
      { name: "source (10 %)", query: { source: "bench-shopify" }, targetMs: 100 },
      { name: "type (invoice.payment_failed)", query: { type: "invoice.payment_failed" }, targetMs: 100 },
      { name: "source + type", query: { source: "bench-stripe", type: "payout.paid" }, targetMs: 100 },
      { name: "origin (replay, 1 %)", query: { origin: "replay" }, targetMs: 100 },
      { name: "state=failing (1 %)", query: { state: "failing" }, targetMs: 100 },
      { name: "state=dead_lettered (0.4 %)", query: { state: "dead_lettered" }, targetMs: 100 },
      {
        name: "time range (one day, 10 days ago)",
        query: { from: new Date(Date.now() - 10 * day).toISOString(), to: new Date(Date.now() - 9 * day).toISOString() },
        targetMs: 100,
      },
      { name: "q=provider event id", query: { q: sample.provider_event_id }, targetMs: 100, searchedAs: "provider event id" },
      { name: "q=entity (partition key)", query: { q: sample.partition_key }, targetMs: 100, searchedAs: "entity" },
      { name: "q=field (data.object.customer)", query: { q: `data.object.customer = ${sample.partition_key}` }, targetMs: 300, searchedAs: "field" },
      { name: "q=free text, common word (~3 %)", query: { q: "harbor" }, targetMs: 300, searchedAs: "text" },
      { name: "q=free text, rare token", query: { q: "ref123456" }, targetMs: 300, searchedAs: "text" },
      { name: "deep page (page 21, no filter)", query: { before: cursor }, targetMs: 100 },
    ];
    say(`  GET /api/events, ${WARMUPS} warm-up then ${REQUESTS} requests per case, one at a time, end to end over loopback (ms):`);
    say(`  ${"case".padEnd(36)} ${"rows".padStart(4)} ${"p50".padStart(7)} ${"p99".padStart(7)} ${"max".padStart(7)}  target`);
    const results: CaseResult[] = [];
    for (const each of cases) {
      const result = await runCase(base, token, each, WARMUPS, REQUESTS);
      results.push(result);
      say(
        `  ${each.name.padEnd(36)} ${String(result.rows).padStart(4)} ${result.p50.toFixed(1).padStart(7)} ${result.p99.toFixed(1).padStart(7)} ${result.max.toFixed(1).padStart(7)}  p99 <= ${each.targetMs}: ${result.pass ? "PASS" : "FAIL"}`,
      );
    }
    const failed = results.filter((result) => !result.pass);
    say(`  ${results.length - failed.length} of ${results.length} cases within target`);
    for (const result of failed) {
      say("");
      say(`  FAIL ${result.case.name}: every statement of one request, under EXPLAIN (ANALYZE, BUFFERS):`);
      say(await explainCase(db, base, token, result.case));
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  const { endpoints } = await up();
  console.log(
    `bench:console — ${CATALOG_EVENTS} events projected x ${RUNS} runs against ingest's max; ${EVENTS_IN_CATALOG.toLocaleString("en")} events for the queries; Kafka ${endpoints.kafkaVersion}`,
  );
  const schema = await createBenchSchema(endpoints.databaseUrl, `bench_${runId}`);
  say(`throwaway schema ${schema.name} (dropped at the end)`);
  try {
    if (ONLY !== "queries") await projectionVersusIngest(schema, endpoints);
    if (ONLY !== "projection") await queriesWithMillionEvents(schema, endpoints);
  } finally {
    await schema.drop();
    say(`schema ${schema.name} dropped`);
  }
}

try {
  await main();
} catch (error) {
  console.error(`bench:console failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
// A client left open by a failure (a producer, a pool) must not keep the bench waiting forever.
process.exit();

// npm run bench:routes — the routes service against a local receiver, on the real stack:
// (1) deliveries per second: a backlog of events written to the log, one route with one url
//     destination, counted from the first delivery after a warm-up to the last; beside it, the same
//     receiver's ceiling for the same POSTs made straight from this process (what HTTP alone costs here);
// (2) signed POST at ingest → the route's delivery, p50/p99/max at 200 events/s, the load generator
//     in a process of its own (consumer-kit's post-load.ts), the time taken when the receiver gets it.
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { up } from "@hooklog/infra";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { startServiceProcess } from "@hooklog/testkit";

const BACKLOG = Number(process.env.BENCH_EVENTS ?? 3000);
const WARMUP = Number(process.env.BENCH_WARMUP_EVENTS ?? 500);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 200);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 10);
const E2E_WARMUP_S = 2;
const P99_TARGET_MS = 80;
const runId = randomBytes(3).toString("hex");
const now = (): number => performance.timeOrigin + performance.now();

interface PostedEvent {
  providerEventId: string;
  dueAt: number;
  status: number;
  warmup: boolean;
}

// The receiver: notes when each delivery arrives, by the provider event id the route's body carries.
const arrivals = new Map<string, number>();
const receiver = createServer((incoming, answer) => {
  const chunks: Buffer[] = [];
  incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
  incoming.on("end", () => {
    const at = now();
    const { id } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string };
    if (!arrivals.has(id)) arrivals.set(id, at);
    answer.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const { endpoints } = await up();
const brokers = endpoints.kafkaBrokers.split(",");
const kafka = createKafka({ clientId: "bench-routes", brokers });
const source = `bench-routes-${runId}`;
const topic = `bench.routes.${runId}`;
await ensureTopics(kafka, [{ name: topic, partitions: 6 }]);
const secret = `whsec_${randomBytes(16).toString("hex")}`;
const folder = mkdtempSync(join(tmpdir(), "hooklog-bench-routes-"));
const config = join(folder, "hooklog.config.yaml");
writeFileSync(
  config,
  JSON.stringify({
    sources: { [source]: { provider: "stripe", topic } },
    routes: { bench: { from: { sources: [source] }, to: [{ name: "receiver", url: { url: receiverUrl, body: '{ "id": $event.providerEventId }' } }] } },
  }),
);
const common = {
  HOOKLOG_CONFIG: config,
  KAFKA_BROKERS: endpoints.kafkaBrokers,
  SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
  DATABASE_URL: endpoints.databaseUrl,
};
console.log(
  `bench:routes — ${BACKLOG} deliveries after ${WARMUP} of warm-up, then POST → delivery at ${E2E_RATE}/s for ${E2E_SECONDS} s; Kafka ${endpoints.kafkaVersion}`,
);

// (1) A backlog in the log, then the routes service drains it.
const codec = await webhookEventCodec(new SchemaRegistryClient(endpoints.schemaRegistryUrl), topic);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const total = WARMUP + BACKLOG;
for (let start = 0; start < total; start += 1000) {
  const messages = await Promise.all(
    Array.from({ length: Math.min(1000, total - start) }, async (_, index) => {
      const providerEventId = `evt_backlog_${runId}_${start + index}`;
      const payload = Buffer.from(JSON.stringify({ id: providerEventId, type: "invoice.paid", data: { object: { id: `in_${index % 500}` } } }));
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
        payload,
      };
      return { key: `in_${index % 500}`, value: await codec.encode(event), headers: { "hooklog-event-type": "invoice.paid" } };
    }),
  );
  await producer.send({ topic, acks: -1, messages });
}
await producer.disconnect();
const routes = await startServiceProcess("routes", { ...common, ROUTES_CONSUMER_PREFIX: `bench${runId}`, LOG_LEVEL: "warn" }, "ROUTES_PORT");
const waitFor = async (what: string, done: () => boolean, timeoutMs = 300_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`bench:routes: gave up waiting for ${what}; the routes service said:\n${routes.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
await waitFor("the warm-up deliveries", () => arrivals.size >= WARMUP);
const measuredFrom = now();
const countedFrom = arrivals.size;
await waitFor("the backlog's deliveries", () => arrivals.size >= total);
const rate = (arrivals.size - countedFrom) / ((Math.max(...arrivals.values()) - measuredFrom) / 1000);

// The receiver's ceiling: the same POSTs straight from here, 64 at a time.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const direct = async (count: number): Promise<number> => {
  const started = now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const id = `direct_${runId}_${next++}`;
      await new Promise<void>((resolve, reject) => {
        const outgoing = request(receiverUrl, { method: "POST", agent, headers: { "content-type": "application/json" } }, (response) => {
          response.resume();
          response.on("end", () => resolve());
        });
        outgoing.on("error", reject);
        outgoing.end(JSON.stringify({ id }));
      });
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return count / ((now() - started) / 1000);
};
await direct(1000);
const ceiling = await direct(BACKLOG);
agent.destroy();
console.log(
  `(1) deliveries to a local receiver: ${rate.toFixed(0)}/s (one route, one url destination, 6 partitions); the receiver alone takes ${ceiling.toFixed(0)} POSTs/s from this process`,
);

// (2) End to end through ingest.
const ingest = await startServiceProcess("ingest", { ...common, [`${source.toUpperCase().replaceAll("-", "_")}_WEBHOOK_SECRET`]: secret }, "INGEST_PORT");
const child = fork(join(import.meta.dirname, "..", "..", "..", "packages", "consumer-kit", "bench", "post-load.ts"), [], {
  env: {
    ...process.env,
    URL: ingest.url,
    PATH_NAME: `/webhooks/${source}`,
    SECRET: secret,
    RATE: String(E2E_RATE),
    SECONDS: String(E2E_SECONDS),
    WARMUP_S: String(E2E_WARMUP_S),
    PREFIX: `evt_e2e_${runId}`,
  },
  execArgv: ["--disable-warning=TimeoutNegativeWarning"],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const sent = await new Promise<PostedEvent[]>((resolve, reject) => {
  child.once("message", (message) => resolve((message as { sent: PostedEvent[] }).sent));
  child.once("error", reject);
});
const measured = sent.filter((entry) => !entry.warmup && entry.status === 202);
await waitFor("every end-to-end delivery", () => measured.every((entry) => arrivals.has(entry.providerEventId)), 120_000);
const latencies = measured.map((entry) => (arrivals.get(entry.providerEventId) as number) - entry.dueAt).sort((a, b) => a - b);
const percentile = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
const refused = sent.filter((entry) => !entry.warmup && entry.status !== 202).length;
console.log(
  `(2) POST → delivery at ${E2E_RATE}/s: p50 ${percentile(50).toFixed(1)} ms, p99 ${percentile(99).toFixed(1)} ms (target <= ${P99_TARGET_MS} ms: ${percentile(99) <= P99_TARGET_MS ? "met" : "NOT met"}), max ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms; ${measured.length} events after ${E2E_WARMUP_S} s of warm-up${refused > 0 ? `, ${refused} not answered 202` : ""}`,
);

await Promise.all([routes.stop(), ingest.stop()]);
receiver.close();
process.exit(0);

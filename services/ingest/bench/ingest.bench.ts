// npm run bench:ingest — ingest against two baselines measured in the same run on the same machine:
// (a) a bare node:http server, (b) a naive express + kafkajs service awaiting its own send per request,
// (c) Hooklog ingest with the real Kafka and registry; and (x) the naive service answering without
// Kafka, the ceiling of any express 5 service here. Each server runs in its own process;
// autocannon drives it from this one with 1 KiB Stripe-signed payloads, a fresh event id per request.
// Ingest exports its spans over OTLP/HTTP to a receiver in this process, which counts them. Last,
// the whole hub and Debian's webhook (whole-hub.ts).
import { fork, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { kafkaPid, registryPid, up } from "@hooklog/infra";
import { createKafka, ensureTopics } from "@hooklog/kafka";
import { measureClientCosts } from "./client-costs.ts";
import { cpuText, postgresPids, sampleCpu } from "./cpu-sampler.ts";
import { pacedLoad, type PacedResult } from "./paced-load.ts";
import { benchWholeHub } from "./whole-hub.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WARMUP_S = 2;
const SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const runId = randomBytes(3).toString("hex");
const here = import.meta.dirname;

function signedStripeRequest(sequence: number): { body: string; headers: Record<string, string> } {
  const event = {
    id: `evt_bench_${runId}_${sequence}_${randomBytes(4).toString("hex")}`,
    object: "event",
    type: "invoice.paid",
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `in_${sequence % 1000}`, object: "invoice", amount_paid: 4200, currency: "eur" } },
    padding: "",
  };
  event.padding = "x".repeat(Math.max(0, 1024 - JSON.stringify(event).length));
  const body = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex");
  return { body, headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` } };
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

let serverPid = 0;
const cpuLines: string[] = [];

async function measureCpu<T>(label: string, run: () => Promise<T>): Promise<T> {
  const cpu = sampleCpu({
    "load generator": () => [process.pid],
    server: () => [serverPid],
    kafka: () => [kafkaPid() ?? 0],
    registry: () => [registryPid() ?? 0],
    postgres: postgresPids,
  });
  const result = await run();
  cpuLines.push(
    `${label}: ${Object.entries(cpu())
      .map(([name, use]) => cpuText(name, use))
      .join(", ")}`,
  );
  return result;
}

function drive(url: string, durationS: number, overallRate?: number): Promise<autocannon.Result> {
  let sequence = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: "POST",
        path: "/webhooks/stripe",
        setupRequest: (request) => {
          const signed = signedStripeRequest(sequence++);
          return { ...request, body: signed.body, headers: { ...request.headers, ...signed.headers } };
        },
      },
    ],
  });
}

/**
 * A measured run, after WARMUP_S of the same load that is not measured: each server (and Kafka, for
 * the first one that writes to it) starts cold, and that start would otherwise count against it.
 */
/** Requests each server completed, and requests sent to it, warm-ups included: what ingest's server spans are counted against. */
const sentTo = new Map<string, { completed: number; sent: number }>();

async function load(url: string, overallRate?: number): Promise<Measured> {
  const warmup = await drive(url, WARMUP_S, overallRate);
  const result = await measureCpu(`${url}${overallRate ? ` autocannon overallRate ${overallRate}` : ""}`, () => drive(url, DURATION_S, overallRate));
  // autocannon counts as completed only what was answered before a run ended; as sent, more than the server may have read.
  const before = sentTo.get(url) ?? { completed: 0, sent: 0 };
  sentTo.set(url, {
    completed: before.completed + warmup.requests.total + result.requests.total,
    sent: before.sent + warmup.requests.sent + result.requests.sent,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

function start(script: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<ChildProcess> {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv: ["--disable-warning=TimeoutNegativeWarning", ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  serverPid = child.pid ?? 0;
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

async function waitReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const ok = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`ingest at ${url} did not become ready`);
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
}

/** Prometheus text as series → value; the series keeps its labels as written (`name{a="b"}`). */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\S+?(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match?.[1] && match[2] && !line.startsWith("#")) series.set(match[1], Number(match[2]));
  }
  return series;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const row = (name: string, m: Measured): string =>
  `${name.padEnd(34)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms   non-2xx ${m.non2xx}   errors ${m.errors}`;

const pacedRow = (name: string, m: PacedResult): string => {
  const codes = Object.entries(m.errorCodes)
    .map(([code, count]) => `${code} ${count}`)
    .join(", ");
  return `${row(name, m)}${codes ? ` (${codes})` : ""}   after a 1 s warm-up (its p99 ${m.warmup.p99} ms, max ${m.warmup.max} ms); generator lag p99 ${m.generatorLagP99.toFixed(1)} ms`;
};

const { endpoints } = await up();
const kafka = createKafka({ clientId: "bench", brokers: endpoints.kafkaBrokers.split(",") });
const ingestTopic = `bench.webhooks.stripe.${runId}`;
const naiveTopic = `bench.naive.stripe.${runId}`;
await ensureTopics(kafka, [
  { name: ingestTopic, partitions: 6 },
  { name: naiveTopic, partitions: 6 },
]);
const folder = mkdtempSync(join(tmpdir(), "hooklog-bench-"));
const configFile = join(folder, "hooklog.config.yaml");
writeFileSync(configFile, `sources:\n  stripe:\n    provider: stripe\n    topic: ${ingestTopic}\n`);

console.log(
  `bench:ingest — ${DURATION_S} s per run after ${WARMUP_S} s of warm-up, ${CONNECTIONS} connections, 1 KiB Stripe-signed events, Kafka ${endpoints.kafkaVersion}`,
);

// BENCH_ONLY=hub runs the whole-hub part alone (whole-hub.ts).
if (process.env.BENCH_ONLY === "hub") {
  await benchWholeHub(DURATION_S);
  process.exit(0);
}
// BENCH_ONLY=ingest skips the baselines (for profiling ingest alone; no ratios are printed then).
const onlyIngest = process.env.BENCH_ONLY === "ingest";
let a: Measured | undefined;
let b: Measured | undefined;
let x: Measured | undefined;
if (!onlyIngest) {
  const bare = await start(join(here, "bare-server.ts"), { PORT: "3901" });
  a = await load("http://127.0.0.1:3901");
  await stop(bare);
  console.log(row("(a) bare node:http", a));

  const verifyOnly = await start(join(here, "naive-server.ts"), { PORT: "3904", NO_KAFKA: "1", SECRET });
  x = await load("http://127.0.0.1:3904");
  await stop(verifyOnly);
  console.log(row("(x) express 5 + verify, no Kafka", x));

  const naive = await start(join(here, "naive-server.ts"), { PORT: "3902", KAFKA_BROKERS: endpoints.kafkaBrokers, TOPIC: naiveTopic, SECRET });
  b = await load("http://127.0.0.1:3902");
  await stop(naive);
  console.log(row("(b) naive express + kafkajs", b));
}

// A local OTLP/HTTP receiver: ingest exports its spans to it for real, so what the export costs is in
// every figure of (c), and what arrives is counted against the requests ingest answered.
const spansReceived = new Map<string, number>();
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name: string }> }> }>;
      };
      for (const resource of body.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? [])
          for (const span of scope.spans ?? []) spansReceived.set(span.name, (spansReceived.get(span.name) ?? 0) + 1);
    } catch {
      // Counted as nothing: the line below shows the shortfall.
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
const exportSpans = process.env.BENCH_NO_TELEMETRY !== "1";

const ingestEnv = {
  ...(exportSpans ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl } : {}),
  INGEST_PORT: "3903",
  INGEST_OPS_PORT: "3904",
  HOOKLOG_CONFIG: configFile,
  STRIPE_WEBHOOK_SECRET: SECRET,
  KAFKA_BROKERS: endpoints.kafkaBrokers,
  SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
  DATABASE_URL: endpoints.databaseUrl,
  LOG_LEVEL: "warn",
};
const ingest = fork(join(here, "..", "src", "main.ts"), [], {
  cwd: join(here, ".."),
  env: { ...process.env, ...ingestEnv },
  execArgv: [
    "--disable-warning=TimeoutNegativeWarning",
    // BENCH_NO_TELEMETRY=1 runs ingest without OpenTelemetry, to see what tracing costs.
    ...(process.env.BENCH_NO_TELEMETRY === "1" ? [] : ["--import", "@hooklog/telemetry/register"]),
    ...(process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
  ],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
serverPid = ingest.pid ?? 0;
await waitReady("http://127.0.0.1:3904");
const beforeMax = await scrape("http://127.0.0.1:3904/metrics");
const c = await load("http://127.0.0.1:3903");
const afterMax = await scrape("http://127.0.0.1:3904/metrics");
console.log(row("(c) hooklog ingest", c));
const halfRate = Math.max(1, Math.floor(c.rps / 2));
const burstyHalf = await load("http://127.0.0.1:3903", halfRate);
console.log(row(`(c) autocannon overallRate ${halfRate}`, burstyHalf));
const beforeHalf = await scrape("http://127.0.0.1:3904/metrics");
let halfSequence = 0;
const half = await measureCpu("http://127.0.0.1:3903 paced", () =>
  pacedLoad({
    url: "http://127.0.0.1:3903",
    path: "/webhooks/stripe",
    rate: halfRate,
    durationS: DURATION_S,
    maxSockets: CONNECTIONS,
    next: () => signedStripeRequest(1_000_000 + halfSequence++),
  }),
);
console.log(pacedRow(`(c) at half its max, steady (${halfRate} req/s)`, half));
const rss = ingest.pid ? peakRssMiB(ingest.pid) : Number.NaN;
const afterHalf = await scrape("http://127.0.0.1:3904/metrics");
// Stopped, ingest flushes what its span processor still holds.
await stop(ingest);
receiver.close();
const ingestLoad = sentTo.get("http://127.0.0.1:3903") ?? { completed: 0, sent: 0 };
const ingestCompleted = ingestLoad.completed + half.sent;
const ingestSent = ingestLoad.sent + half.sent;

// The same steady load on the bare server: what this machine's scheduling alone adds to a p99.
const bareAgain = await start(join(here, "bare-server.ts"), { PORT: "3901" });
let floorSequence = 0;
const floor = await measureCpu("http://127.0.0.1:3901 paced", () =>
  pacedLoad({
    url: "http://127.0.0.1:3901",
    path: "/webhooks/stripe",
    rate: halfRate,
    durationS: DURATION_S,
    maxSockets: CONNECTIONS,
    next: () => signedStripeRequest(2_000_000 + floorSequence++),
  }),
);
await stop(bareAgain);
console.log(pacedRow(`(a) bare node:http, steady (${halfRate} req/s)`, floor));
console.log("");
if (a && b && x) {
  const ca = c.rps / a.rps;
  const cx = c.rps / x.rps;
  console.log(`c/x = ${cx.toFixed(2)} (target >= 0.6: ${cx >= 0.6 ? "met" : "NOT met"}): ingest against the express 5 service that only verifies and answers`);
  console.log(
    `c/a = ${ca.toFixed(2)} (target >= 0.2: ${ca >= 0.2 ? "met" : "NOT met"}); c/b = ${(c.rps / b.rps).toFixed(2)} (no target: c/b >= 5 would need ingest past x here)`,
  );
}
console.log(
  `p99 at half of c's max, steady arrivals after a 1 s warm-up = ${half.p99} ms (target < 50 ms: ${half.p99 < 50 ? "met" : "NOT met"}); ` +
    `warm-up second ${half.warmup.p99} ms; with autocannon's per-second quota bursts ${burstyHalf.p99} ms`,
);
console.log(`ingest peak resident memory = ${rss.toFixed(0)} MiB (target < 300 MiB: ${rss < 300 ? "met" : "NOT met"})`);
if (exportSpans) {
  const serverSpans = spansReceived.get("POST /webhooks/:source") ?? 0;
  // A request the server read has a server span: fewer spans than requests completed is spans dropped.
  const verdict = serverSpans < ingestCompleted ? "NOT met" : serverSpans >= ingestSent ? "met" : "not decided: between autocannon's two counts";
  console.log(
    `spans exported over OTLP/HTTP to a local receiver (in this process: its CPU is the load generator's): ${serverSpans} server spans for ${ingestCompleted} requests completed, ${ingestSent} sent ` +
      `(target none dropped: ${verdict}), ` +
      `${
        [...spansReceived]
          .filter(([name]) => name !== "POST /webhooks/:source")
          .map(([name, count]) => `${count} ${name}`)
          .join(", ") || "no other spans"
      }`,
  );
} else {
  console.log("spans: not made (BENCH_NO_TELEMETRY=1)");
}
console.log("CPU per component during each run (percent of one core; the machine has 200 %):");
for (const line of cpuLines) console.log(`  ${line}`);
// Where the time at half rate went, from ingest's own /metrics (differences across that run).
const delta = (name: string): number => (afterHalf.get(name) ?? Number.NaN) - (beforeHalf.get(name) ?? 0);
const ms = (seconds: number): string => `${(1000 * seconds).toFixed(1)} ms`;
const phase = (name: string): string => {
  const labels = `{phase="${name}"}`;
  return `${name} mean ${ms(delta(`hooklog_ingest_batch_phase_seconds_sum${labels}`) / delta(`hooklog_ingest_batch_phase_seconds_count${labels}`))}, p99 <= ${ms(histogramQuantile(0.99, "hooklog_ingest_batch_phase_seconds", `phase="${name}"`))}`;
};
const meanBatch = (before: Map<string, number>, after: Map<string, number>): string => {
  const change = (name: string): number => (after.get(name) ?? Number.NaN) - (before.get(name) ?? 0);
  return (change("hooklog_ingest_batch_size_sum") / change("hooklog_ingest_batch_size_count")).toFixed(1);
};
console.log(`At its max (warm-up included), ingest sent a mean ${meanBatch(beforeMax, afterMax)} events per produce request`);
console.log(
  `At half rate, per batch (mean ${(delta("hooklog_ingest_batch_size_sum") / delta("hooklog_ingest_batch_size_count")).toFixed(1)} events sent): ${["lookup", "send", "record"].map(phase).join("; ")}`,
);
console.log(
  `At half rate, ingest's event loop: delay p99 ${ms(afterHalf.get("hooklog_ingest_process_nodejs_eventloop_lag_p99_seconds") ?? Number.NaN)}, max ${ms(afterHalf.get("hooklog_ingest_process_nodejs_eventloop_lag_max_seconds") ?? Number.NaN)}; ` +
    `GC ${ms(delta('hooklog_ingest_process_nodejs_gc_duration_seconds_sum{kind="major"}'))} major, ${ms(delta('hooklog_ingest_process_nodejs_gc_duration_seconds_sum{kind="minor"}'))} minor in ${DURATION_S} s`,
);

// Nothing else runs now: the bench process alone, one call at a time.
const costs = await measureClientCosts(kafka, naiveTopic, endpoints.databaseUrl);
console.log(
  `CPU per call in one process, nothing else running: kafkajs sendBatch ${costs.sendOneMicros.toFixed(0)} µs with 1 message, ` +
    `${costs.sendThirtyMicros.toFixed(0)} µs with 30 (${((costs.sendThirtyMicros - costs.sendOneMicros) / 29).toFixed(0)} µs per further message); ` +
    `the dedup ledger's prepared lookup (3 ids) ${costs.lookupMicros.toFixed(0)} µs. A batch makes one send, one lookup and one insert.`,
);

/** The upper bound of the bucket holding quantile q of a histogram's observations during the half-rate run. */
function histogramQuantile(q: number, name: string, labels: string): number {
  const buckets = [...afterHalf.keys()]
    .filter((key) => key.startsWith(`${name}_bucket{`) && key.includes(labels))
    .map((key) => ({ le: Number(/le="([^"]+)"/.exec(key)?.[1]), count: delta(key) }))
    .sort((x, y) => x.le - y.le);
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((bucket) => bucket.count >= q * total)?.le ?? Number.NaN;
}

// BENCH_HUB=0 skips the whole hub and the peer (whole-hub.ts).
if (process.env.BENCH_HUB !== "0") await benchWholeHub(DURATION_S);

// bench:ingest's whole-hub part: ingest alone against ingest with every service `npm start` runs
// (the consumers read what ingest writes, on the same two cores), on Stripe invoice.paid load and on
// GitHub push load; then Debian's `webhook` (adnanh/webhook: an HMAC rule, /bin/true per hook, what
// a user wiring GitHub to a script would pick) on the same pre-signed GitHub load, alternated with
// the whole hub. Each service is started as `npm start` starts it, with the repository's sources,
// on a stack of the bench's own (Kafka, registry and Postgres on free ports, as npm run faults has):
// the load must not reach the projections, consumer groups or Slack of a hub the user runs.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { startOwnStack } from "@hooklog/faults/own-stack";
import { Teardown } from "@hooklog/faults/teardown";
import {
  discoverServices,
  kafkaPid,
  kafkaVersion,
  newWebhookSecret,
  prepareHub,
  repoRoot,
  startDevSink,
  startService,
  stopService,
  type RunningService,
} from "@hooklog/infra";
import { loadSources } from "@hooklog/sources";
import { consumerCaughtUp, uniqueName } from "@hooklog/testkit";
import { createKafka } from "@hooklog/kafka";
import { cpuText, postgresPids, sampleCpu, type CpuUse } from "./cpu-sampler.ts";

const INGEST_PORT = 3906;
const INGEST_OPS_PORT = 3907;
const WEBHOOK_PORT = 3908;
const SINK_PORT = 3909;
const ROUNDS = Number(process.env.BENCH_HUB_ROUNDS ?? 3);

interface Signed {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** A GitHub push delivery of about 1 KiB, signed as GitHub signs (no timestamp: it can be signed ahead). */
function githubPush(secret: string, sequence: number, path: string): Signed {
  const body = JSON.stringify({
    ref: "refs/heads/main",
    before: randomBytes(20).toString("hex"),
    after: randomBytes(20).toString("hex"),
    repository: { id: 1296269, full_name: "octo-org/octo-repo", default_branch: "main" },
    pusher: { name: "octocat", email: "octocat@example.com" },
    sender: { login: "octocat", id: 1 },
    head_commit: { id: randomBytes(20).toString("hex"), message: `commit ${sequence}`, timestamp: new Date().toISOString(), author: { name: "octocat" } },
    commits: [{ id: randomBytes(20).toString("hex"), message: `commit ${sequence}`, added: [], removed: [], modified: ["README.md"] }],
    padding: "x".repeat(300),
  });
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  return {
    path,
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${signature}`,
      "user-agent": "GitHub-Hookshot/bench",
    },
  };
}

/** A Stripe invoice.paid of about 1 KiB, signed when it is made (Stripe's signature carries a timestamp). */
function stripeInvoicePaid(secret: string, sequence: number): Signed {
  const event = {
    id: `evt_hub_${randomBytes(8).toString("hex")}_${sequence}`,
    object: "event",
    type: "invoice.paid",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: { id: `in_${sequence}`, object: "invoice", customer: `cus_${sequence % 100}`, amount_paid: 4200, currency: "eur", padding: "x".repeat(700) },
    },
  };
  const body = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return { path: "/webhooks/stripe", body, headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` } };
}

/** Requests per second over `durationS`, after `warmupS` of the same load, the requests taken in turn from `next`. */
/** A measured run's figures, and the CPU of each component during it (the warm-up left out) when `cpu` samples them. */
interface Throughput {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpu: Record<string, CpuUse>;
}

async function throughput(port: number, durationS: number, next: () => Signed, cpu?: () => () => Record<string, CpuUse>): Promise<Throughput> {
  const drive = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 64,
      duration,
      requests: [
        {
          method: "POST",
          setupRequest: (request) => {
            const signed = next();
            return { ...request, path: signed.path, body: signed.body, headers: { ...request.headers, ...signed.headers } };
          },
        },
      ],
    });
  await drive(2);
  const sampled = cpu?.();
  const result = await drive(durationS);
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts, cpu: sampled?.() ?? {} };
}

async function waitFor(what: string, url: string, exited: Promise<unknown>[]): Promise<void> {
  let gone = false;
  void Promise.race(exited).then(() => {
    gone = true;
  });
  for (let attempt = 0; attempt < 240; attempt += 1) {
    if (gone) throw new Error(`a service exited while waiting for ${what}; its output is above`);
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what} did not answer ${url} within 120 s`);
}

/**
 * Waits until every consumer group of the hub has committed up to the end of what it reads (up to 5
 * minutes; then the run goes on and says so), so a measured run pays for its own load only.
 */
async function caughtUp(brokers: string): Promise<void> {
  const admin = createKafka({ clientId: "hooklog-bench", brokers: brokers.split(",") }).admin();
  await admin.connect();
  try {
    const started = performance.now();
    for (;;) {
      const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith("hooklog."));
      const behind = [];
      for (const group of groups) if (!(await consumerCaughtUp(brokers, group))) behind.push(group);
      if (behind.length === 0) return;
      if (performance.now() - started > 300_000) {
        console.log(`bench: ${behind.join(", ")} still behind after 5 minutes; measuring anyway`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Debian's webhook binary: found, or installed from Debian's packages when this process may; undefined and why when not. */
function webhookBinary(): { path: string } | { missing: string } {
  const find = (): string | undefined => {
    try {
      return execFileSync("sh", ["-c", "command -v webhook"], { encoding: "utf8" }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const found = find();
  if (found) return { path: found };
  if (process.getuid?.() !== 0) return { missing: "Debian's webhook package is not installed, and installing it needs root (apt-get install webhook)" };
  try {
    console.log("bench: installing Debian's webhook package (apt-get install -y webhook)...");
    execFileSync("apt-get", ["install", "-y", "-q", "webhook"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (error) {
    return {
      missing: `apt-get install webhook failed: ${String((error as { stderr?: Buffer }).stderr ?? error)
        .trim()
        .split("\n")
        .at(-1)}`,
    };
  }
  const installed = find();
  return installed ? { path: installed } : { missing: "apt-get installed webhook, but no webhook binary is on PATH" };
}

async function startWebhook(binary: string, secret: string): Promise<ChildProcess> {
  const folder = mkdtempSync(join(tmpdir(), "hooklog-bench-webhook-"));
  const hooks = join(folder, "hooks.json");
  writeFileSync(
    hooks,
    JSON.stringify([
      {
        id: "github",
        "execute-command": "/bin/true",
        "trigger-rule": { match: { type: "payload-hmac-sha256", secret, parameter: { source: "header", name: "X-Hub-Signature-256" } } },
      },
    ]),
  );
  const child = spawn(binary, ["-hooks", hooks, "-ip", "127.0.0.1", "-port", String(WEBHOOK_PORT)], { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // webhook answers 404 for an unknown hook id once it listens.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`webhook exited (${child.exitCode}) while starting`);
    if (
      await fetch(`http://127.0.0.1:${WEBHOOK_PORT}/hooks/none`).then(
        () => true,
        () => false,
      )
    )
      return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  await exited;
  throw new Error(`webhook did not listen on ${WEBHOOK_PORT}`);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
const spread = (values: readonly number[]): string =>
  `median ${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;

export async function benchWholeHub(durationS: number): Promise<void> {
  const stateDir = join(process.env.HOOKLOG_STATE_DIR ?? join(repoRoot, ".hooklog"), "bench-hub", uniqueName("run"));
  const teardown = new Teardown();
  const say = (line: string): void => console.log(`bench: ${line}`);
  try {
    say(`starting a stack of the bench's own (state in ${stateDir})...`);
    const stack = await startOwnStack(stateDir, 1, teardown);
    await measureWholeHub(
      {
        kafkaBrokers: stack.kafkaBrokers,
        schemaRegistryUrl: stack.registryUrl,
        databaseUrl: stack.databaseUrl,
        postgres: "embedded",
        zipkinUrl: undefined,
        kafkaVersion: kafkaVersion(),
        stateDir,
      },
      durationS,
    );
  } finally {
    await teardown.run(say);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function measureWholeHub(endpoints: Parameters<typeof prepareHub>[0], durationS: number): Promise<void> {
  await prepareHub(endpoints);
  const secrets: Record<string, string> = {};
  for (const source of loadSources()) secrets[source.secretEnvVar] = newWebhookSecret(source.provider);
  const stripeSecret = secrets.STRIPE_WEBHOOK_SECRET;
  const githubSecret = secrets.GITHUB_WEBHOOK_SECRET;
  if (!stripeSecret || !githubSecret) throw new Error("the whole-hub bench needs the stripe and github sources of hooklog.config.yaml");
  const sink = await startDevSink(SINK_PORT, { quiet: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...sink.env,
    ...secrets,
    HOOKLOG_ADMIN_TOKENS: `bench=${randomBytes(24).toString("hex")}`,
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: endpoints.databaseUrl,
    INGEST_PORT: String(INGEST_PORT),
    INGEST_OPS_PORT: String(INGEST_OPS_PORT),
    LOG_LEVEL: "warn",
  };
  // Pre-signed GitHub deliveries, each with its own delivery id (ingest deduplicates by it): the
  // generator only picks the next, for Hooklog and for webhook alike.
  const pool = Array.from({ length: 40_000 }, (_, index) => githubPush(githubSecret, index, "/webhooks/github"));
  let pushIndex = 0;
  let stripeIndex = 0;
  const nextPush = (path: string) => (): Signed => {
    const signed = pool[pushIndex++ % pool.length] as Signed;
    // Past the pool, a delivery id is used again and ingest answers it as a duplicate: give it a new one.
    return pushIndex > pool.length ? { ...signed, path, headers: { ...signed.headers, "x-github-delivery": randomUUID() } } : { ...signed, path };
  };
  const nextStripe = (): Signed => stripeInvoicePaid(stripeSecret, stripeIndex++);

  let running: RunningService[] = [];
  const start = async (names: readonly string[]): Promise<void> => {
    running = names.map((name) => startService(name, env));
    await waitFor(
      "ingest",
      `http://127.0.0.1:${INGEST_OPS_PORT}/readyz`,
      running.map((service) => service.exited),
    );
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.map((service) => stopService(service)));
    running = [];
  };
  const cpuOf = () =>
    sampleCpu({
      ...Object.fromEntries(running.map((service) => [service.name, () => [service.child.pid ?? 0]])),
      kafka: () => [kafkaPid() ?? 0],
      postgres: postgresPids,
    });
  const cpuLine = (cpu: Record<string, CpuUse>): string =>
    Object.entries(cpu)
      .map(([name, use]) => cpuText(name, use))
      .join(", ");

  console.log("");
  console.log(
    `whole hub, on a stack of its own: every service of npm start (${discoverServices().join(", ")}), then ingest alone; 64 connections, ${durationS} s after 2 s of warm-up`,
  );
  try {
    // The whole hub first, on an empty stack: each run starts with every consumer caught up, so none
    // is still working through the load of the run before (ingest alone runs last, for that reason).
    await start(discoverServices());
    // The consumers join their groups while ingest is already ready: a first load settles them.
    await throughput(INGEST_PORT, 3, nextStripe);
    await caughtUp(endpoints.kafkaBrokers);
    const hubStripe = await throughput(INGEST_PORT, durationS, nextStripe, cpuOf);
    await caughtUp(endpoints.kafkaBrokers);
    const hubPush = await throughput(INGEST_PORT, durationS, nextPush("/webhooks/github"), cpuOf);

    // The peer, alternated with the whole hub on the same pre-signed GitHub load.
    const binary = webhookBinary();
    const peer: number[] = [];
    const hub: number[] = [];
    const version = "missing" in binary ? undefined : execFileSync(binary.path, ["-version"], { encoding: "utf8" }).trim();
    for (let round = 1; round <= ROUNDS && !("missing" in binary); round += 1) {
      const webhook = await startWebhook(binary.path, githubSecret);
      try {
        peer.push((await throughput(WEBHOOK_PORT, durationS, nextPush("/hooks/github"))).rps);
      } finally {
        const gone = new Promise((resolve) => webhook.once("exit", resolve));
        webhook.kill("SIGTERM");
        await gone;
      }
      await caughtUp(endpoints.kafkaBrokers);
      hub.push((await throughput(INGEST_PORT, durationS, nextPush("/webhooks/github"))).rps);
      console.log(`    round ${round}: webhook ${peer.at(-1)?.toFixed(0)} req/s, whole hub ${hub.at(-1)?.toFixed(0)} req/s`);
    }
    await stopAll();

    await start(["ingest"]);
    const aloneStripe = await throughput(INGEST_PORT, durationS, nextStripe, cpuOf);
    const alonePush = await throughput(INGEST_PORT, durationS, nextPush("/webhooks/github"), cpuOf);

    const ratio = (hub: number, alone: number): string => `${(hub / alone).toFixed(2)} (target >= 0.7: ${hub / alone >= 0.7 ? "met" : "NOT met"})`;
    const line = (name: string, m: { rps: number; p99: number; non2xx: number; errors: number }): string =>
      `${name.padEnd(44)} ${m.rps.toFixed(0).padStart(6)} req/s   p99 ${String(m.p99).padStart(4)} ms   non-2xx ${m.non2xx}   errors ${m.errors}`;
    console.log(line("(c) ingest alone, Stripe invoice.paid", aloneStripe));
    console.log(`    CPU: ${cpuLine(aloneStripe.cpu)}`);
    console.log(line("(h) whole hub, Stripe invoice.paid", hubStripe));
    console.log(`    CPU: ${cpuLine(hubStripe.cpu)}`);
    console.log(line("(c) ingest alone, GitHub push", alonePush));
    console.log(`    CPU: ${cpuLine(alonePush.cpu)}`);
    console.log(line("(h) whole hub, GitHub push", hubPush));
    console.log(`    CPU: ${cpuLine(hubPush.cpu)}`);
    console.log(`h/c on Stripe invoice.paid = ${ratio(hubStripe.rps, aloneStripe.rps)}; on GitHub push = ${ratio(hubPush.rps, alonePush.rps)}`);
    if ("missing" in binary) {
      console.log(`(w) Debian webhook: not measured: ${binary.missing}`);
      return;
    }
    const versus = median(hub) / median(peer);
    console.log(`(w) Debian webhook (${version}), GitHub push, ${ROUNDS} rounds: ${spread(peer)} req/s`);
    console.log(`(h) whole hub, the same load, alternated:  ${spread(hub)} req/s`);
    console.log(`h/w = ${versus.toFixed(2)} (target >= 1.0: ${versus >= 1 ? "met" : "NOT met"})`);
  } finally {
    await stopAll();
    sink.server.close();
  }
}

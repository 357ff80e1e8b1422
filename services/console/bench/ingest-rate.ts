// The baseline the catalog must keep up with: ingest's maximum rate, measured in the same run on the
// same machine. Ingest runs in its own process (as deployed), autocannon drives it from this one with
// signed Stripe-like events as bench:ingest does, a fresh event id per request, for a short window.
import { fork, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freePort } from "@hooklog/testkit";
import { stripeEvent } from "./stripe-payloads.ts";

export interface IngestUnderLoad {
  /** Accepted events per second over one window of `durationS` at full load (after a warm-up). */
  measure(durationS: number): Promise<{ rps: number; non2xx: number; errors: number }>;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`ingest exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`ingest at ${url} did not become ready in 60 s`);
}

export async function startIngestUnderLoad(options: {
  endpoints: { kafkaBrokers: string; schemaRegistryUrl: string; databaseUrl: string };
  topic: string;
  deliveryTopic: string;
  runId: string;
  connections: number;
}): Promise<IngestUnderLoad> {
  const secret = `whsec_${randomBytes(16).toString("hex")}`;
  const folder = mkdtempSync(join(tmpdir(), "hooklog-bench-console-"));
  const configFile = join(folder, "hooklog.config.yaml");
  writeFileSync(configFile, `sources:\n  stripe:\n    provider: stripe\n    topic: ${options.topic}\n`);
  const [port, opsPort] = [await freePort(), await freePort()];
  const ingestFolder = join(import.meta.dirname, "..", "..", "ingest");
  const child = fork(join(ingestFolder, "src", "main.ts"), [], {
    cwd: ingestFolder,
    env: {
      ...process.env,
      INGEST_PORT: String(port),
      INGEST_OPS_PORT: String(opsPort),
      INGEST_HOST: "127.0.0.1",
      INGEST_OPS_HOST: "127.0.0.1",
      INGEST_DELIVERY_TOPIC: options.deliveryTopic,
      HOOKLOG_CONFIG: configFile,
      STRIPE_WEBHOOK_SECRET: secret,
      KAFKA_BROKERS: options.endpoints.kafkaBrokers,
      SCHEMA_REGISTRY_URL: options.endpoints.schemaRegistryUrl,
      DATABASE_URL: options.endpoints.databaseUrl,
      LOG_LEVEL: "warn",
    },
    // As deployed (npm start): with telemetry, as bench:ingest measures it.
    execArgv: ["--disable-warning=TimeoutNegativeWarning", "--import", "@hooklog/telemetry/register"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await waitReady(`http://127.0.0.1:${opsPort}`, child);

  let sequence = 0;
  const drive = (durationS: number): Promise<autocannon.Result> =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: options.connections,
      duration: durationS,
      requests: [
        {
          method: "POST",
          path: "/webhooks/stripe",
          setupRequest: (request) => {
            const { body } = stripeEvent(`ing${options.runId}`, sequence++);
            const t = Math.floor(Date.now() / 1000);
            const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
            return { ...request, body, headers: { ...request.headers, "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` } };
          },
        },
      ],
    });
  // Ingest, its producer and Kafka start cold, and V8 optimises ingest's path over the first seconds
  // (with 2 s of warm-up, three runs in a row rose 1.2k, 1.9k, 2.2k req/s): that start is not its rate.
  await drive(5);

  return {
    async measure(durationS) {
      const result = await drive(durationS);
      return { rps: result.requests.average, non2xx: result.non2xx, errors: result.errors + result.timeouts };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

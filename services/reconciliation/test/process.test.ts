// Reconciliation as production runs it: main.ts under the telemetry hook, and the CLI.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SchemaRegistryClient } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import type { SpanRecord } from "@hooklog/telemetry";
import { readTopic, startServiceProcess, type ServiceProcess } from "@hooklog/testkit";
import { writeSourcesFile, type SourcesFile } from "./harness.ts";
import { startMockStripe, stripeEvents, type MockStripe } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_process_8Vw";
const ADMIN_TOKEN = "hla_reconciliation-process-test-token";
const serviceDir = join(import.meta.dirname, "..");

async function spans(file: string, until: (records: SpanRecord[]) => boolean): Promise<SpanRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    const records = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as SpanRecord);
    if (until(records) || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", "src/cli.ts", ...args], {
    cwd: serviceDir,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("reconciliation as a process", () => {
  let stripe: MockStripe;
  let file: SourcesFile<"traced" | "cli">;
  let service: ServiceProcess;
  let directory: string;
  let traceFile: string;

  before(async () => {
    stripe = await startMockStripe({ apiKey: API_KEY, events: stripeEvents(5, { newestAt: Math.floor(Date.now() / 1000) - 5, spacingSeconds: 60 }) });
    file = await writeSourcesFile({ traced: { provider: "stripe" }, cli: { provider: "stripe" } });
    directory = await mkdtemp(join(tmpdir(), "hooklog-reconciliation-traces-"));
    traceFile = join(directory, "spans.jsonl");
    service = await startServiceProcess(
      "reconciliation",
      {
        ...file.env,
        STRIPE_API_KEY: API_KEY,
        STRIPE_API_BASE: stripe.url,
        RECONCILIATION_INTERVAL_SECONDS: "0",
        HOOKLOG_ADMIN_TOKENS: ADMIN_TOKEN,
        HOOKLOG_TRACE_FILE: traceFile,
        OTEL_SERVICE_NAME: "reconciliation-test",
      },
      "RECONCILIATION_PORT",
    );
  });

  after(async () => {
    await service?.stop();
    await stripe?.close();
    await file?.remove();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("traces a run as a span whose children are the producer spans carried in each backfilled event's Kafka headers", async () => {
    const response = await fetch(`${service.url}/reconcile`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ source: file.sources.traced.name, since: "1h" }),
    });
    const summary = (await response.json()) as { status: string; backfilled: number };
    const messages = await readTopic(file.stack.kafkaBrokers, file.sources.traced.topic, { toEnd: true });
    const records = await spans(
      traceFile,
      (all) =>
        all.filter((span) => span.name === `publish ${file.sources.traced.topic}`).length >= 5 &&
        all.some((span) => span.name === `reconcile ${file.sources.traced.name}`),
    );

    assert.equal(response.status, 200);
    assert.deepEqual([summary.status, summary.backfilled], ["completed", 5]);
    const run = records.find((span) => span.name === `reconcile ${file.sources.traced.name}`);
    assert.ok(run, `a run span in ${JSON.stringify(records.map((span) => span.name))}`);
    const producers = records.filter((span) => span.name === `publish ${file.sources.traced.topic}`);
    assert.equal(producers.length, 5);
    assert.equal(messages.length, 5);
    for (const producer of producers) {
      assert.equal(producer.parentSpanId, run.spanId);
      assert.equal(producer.traceId, run.traceId);
    }
    const codec = await webhookEventCodec(new SchemaRegistryClient(file.stack.schemaRegistryUrl), file.sources.traced.topic);
    for (const message of messages) {
      const envelope = await codec.decode(message.value as Buffer);
      const producer = producers.find((span) => span.attributes["hooklog.event_id"] === envelope.id);
      assert.equal(String(message.headers.traceparent), `00-${run.traceId}-${producer?.spanId}-01`);
    }
  });

  it("npm run reconcile -- --source <name> --since 2h runs that source once and prints its summary", async () => {
    const { code, stdout, stderr } = await runCli(["--source", file.sources.cli.name, "--since", "2h"], {
      ...file.env,
      STRIPE_API_KEY: API_KEY,
      STRIPE_API_BASE: stripe.url,
    });

    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout) as { status: string; source: string; backfilled: number; window: { basis: string } };
    assert.deepEqual([summary.status, summary.source, summary.backfilled, summary.window.basis], ["completed", file.sources.cli.name, 5, "since"]);
  });

  it("the CLI refuses a since it cannot read, saying what it takes", async () => {
    const { code, stderr } = await runCli(["--source", file.sources.cli.name, "--since", "last week"], {
      ...file.env,
      STRIPE_API_KEY: API_KEY,
      STRIPE_API_BASE: stripe.url,
    });

    assert.equal(code, 2);
    assert.match(stderr, /since must be a duration such as 30m, 2h or 3d/);
  });
});

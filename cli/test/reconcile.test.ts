import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex } from "@hooklog/db";
import { createKafka, ensureTopics, type Admin } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import { freePort, startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { runCli, type CliRun } from "./cli-process.ts";

const API_KEY = "sk_test_cli_reconcile_4Kd";
const ADMIN_TOKEN = "hla_cli-reconcile-test-token";
const GITHUB_TOKEN = "ghp_cliReconcileTest0123456789";

/** The CLI as a person runs it: a process of its own, exit code and both streams. */
const hooklog = (env: Record<string, string>, ...args: string[]): Promise<CliRun> => runCli(args, env);

/** Stripe's Events API as far as a run of these few events pages it: one page, newest first, after created[gte]. */
async function startStripeEvents(count: number): Promise<{ url: string; server: Server }> {
  const now = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: count }, (_, index) => ({
    id: `evt_${randomBytes(8).toString("hex")}`,
    object: "event",
    api_version: "2025-06-30.basil",
    created: now - 5 - index * 60,
    type: "invoice.paid",
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: { id: `in_${randomBytes(8).toString("hex")}`, object: "invoice", amount_paid: 1000 + index, currency: "eur" } },
  }));
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://stripe.test");
    const ok = request.headers.authorization === `Bearer ${API_KEY}` && url.pathname === "/v1/events";
    const gte = Number(url.searchParams.get("created[gte]") ?? 0);
    const body = ok
      ? { object: "list", data: events.filter((event) => event.created >= gte), has_more: false, url: "/v1/events" }
      : { error: { type: "invalid_request_error", message: "no" } };
    response.writeHead(ok ? 200 : 401, { "content-type": "application/json", "request-id": "req_cli_test" }).end(JSON.stringify(body));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** GitHub's deliveries API for a hook with nothing delivered: a redeliver-mode run lists it and finds no gap. */
async function startGitHubDeliveries(token: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const ok =
      String(request.headers.authorization).endsWith(token) &&
      /^\/repos\/[^/]+\/[^/]+\/hooks\/\d+\/deliveries$/.test(new URL(request.url ?? "/", "http://github.test").pathname);
    response.writeHead(ok ? 200 : 404, { "content-type": "application/json", "x-github-request-id": "CLI:TEST" }).end(ok ? "[]" : '{"message":"Not Found"}');
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("hooklog reconcile asks the running reconciliation service", () => {
  const source = uniqueName("stripe-cli");
  const topic = uniqueName("webhooks.stripe-cli");
  // Reconcilable too (a token, a hook), in the default redeliver mode: no dry run can hold it back.
  const githubSource = uniqueName("github-cli");
  const githubTopic = uniqueName("webhooks.github-cli");
  let stripe: { url: string; server: Server };
  let github: { url: string; server: Server };
  let service: ServiceProcess;
  let env: Record<string, string>;
  let directory: string;
  let db: Knex;
  let admin: Admin;

  const inTopic = async (): Promise<number> => (await admin.fetchTopicOffsets(topic)).reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
  const inLedger = async (): Promise<number> => Number((await db("accepted_events").where({ source }).count("* as n").first())?.n ?? 0);

  before(async () => {
    const stack = await testStack();
    stripe = await startStripeEvents(5);
    github = await startGitHubDeliveries(GITHUB_TOKEN);
    directory = await mkdtemp(join(tmpdir(), "hooklog-cli-reconcile-"));
    const config = join(directory, "hooklog.config.yaml");
    // YAML is a superset of JSON.
    await writeFile(
      config,
      JSON.stringify({
        sources: {
          [source]: { provider: "stripe", topic, partitions: 3 },
          [githubSource]: { provider: "github", topic: githubTopic, partitions: 3, githubHooks: [{ owner: "octo-org", repo: "shop", hookId: 1 }] },
        },
      }),
    );
    const kafka = createKafka({ clientId: "cli-reconcile-test", brokers: stack.kafkaBrokers.split(",") });
    await ensureTopics(kafka, [
      { name: topic, partitions: 3 },
      { name: githubTopic, partitions: 3 },
    ]);
    admin = kafka.admin();
    await admin.connect();
    db = connectDatabase(stack.databaseUrl, { poolMax: 2 });
    const common = {
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      DATABASE_URL: stack.databaseUrl,
      HOOKLOG_CONFIG: config,
      [secretEnvVar(source)]: `whsec_${randomBytes(16).toString("hex")}`,
      [secretEnvVar(githubSource)]: randomBytes(16).toString("hex"),
      HOOKLOG_ADMIN_TOKENS: ADMIN_TOKEN,
    };
    service = await startServiceProcess(
      "reconciliation",
      {
        ...common,
        STRIPE_API_KEY: API_KEY,
        STRIPE_API_BASE: stripe.url,
        GITHUB_TOKEN,
        GITHUB_API_BASE: github.url,
        RECONCILIATION_INTERVAL_SECONDS: "0",
      },
      "RECONCILIATION_PORT",
    );
    env = { ...common, HOOKLOG_RECONCILIATION_URL: service.url };
  });

  after(async () => {
    await service?.stop();
    stripe?.server.close();
    github?.server.close();
    await admin?.disconnect();
    await db?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("--dry-run counts the events the API lists and the log lacks, and writes none: the topic and the ledger stay as they were", async () => {
    const ran = await hooklog(env, "--json", "reconcile", "--source", source, "--since", "2h", "--dry-run");

    assert.equal(ran.code, 0, `${ran.stderr}\n${service.output()}`);
    const result = JSON.parse(ran.stdout) as Record<string, unknown>;
    assert.deepEqual([result.status, result.source, result.eventsSeen, result.wouldBackfill], ["dry-run", source, 5, 5]);
    assert.equal(await inTopic(), 0);
    assert.equal(await inLedger(), 0);
  });

  it("--dry-run without --source dry-runs the Stripe source and lists the GitHub source (redeliver mode) as skipped, exit 0", async () => {
    const ran = await hooklog(env, "--json", "reconcile", "--since", "2h", "--dry-run");

    assert.equal(ran.code, 0, `${ran.stderr}\n${service.output()}`);
    const runs = ran.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      runs.map((run) => [run.source, run.status, run.wouldBackfill ?? run.code]),
      [
        [source, "dry-run", 5],
        [githubSource, "skipped", "not_dry_runnable"],
      ],
    );
    assert.equal(await inTopic(), 0);
  });

  it("--dry-run naming the GitHub source (redeliver mode) exits 1 saying to run without --dry-run or set RECONCILIATION_GITHUB_MODE=fetch", async () => {
    const ran = await hooklog(env, "reconcile", "--source", githubSource, "--dry-run");

    assert.equal(ran.code, 1);
    const lines = ran.stderr.trim().split("\n").slice(-2);
    assert.match(lines[0] ?? "", /cannot be dry-run/);
    assert.match(lines[1] ?? "", /what to do: .*without --dry-run.*RECONCILIATION_GITHUB_MODE=fetch/);
  });

  it("--dry-run --since further back than the dedup ledger's retention reports the dedup_retention_exceeded warning a real run would", async () => {
    const ran = await hooklog(env, "reconcile", "--source", source, "--since", "8d", "--dry-run");

    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /\n {2}warning dedup_retention_exceeded: /);
  });

  it("without --dry-run (and without --source: every reconcilable source) backfills them", async () => {
    const ran = await hooklog(env, "reconcile", "--since", "2h");

    assert.equal(ran.code, 0, `${ran.stderr}\n${service.output()}`);
    assert.match(ran.stdout, new RegExp(`^${source}: completed — 5 event\\(s\\) listed in .*; 5 missing, 5 backfilled`));
    assert.match(ran.stdout, new RegExp(`\\n${githubSource}: completed — 0 event\\(s\\) listed`));
    assert.equal(await inTopic(), 5);
    assert.equal(await inLedger(), 5);
  });

  it("a refused admin token exits 1 saying where the token comes from", async () => {
    const ran = await hooklog({ ...env, HOOKLOG_ADMIN_TOKENS: "hla_not-the-service-token" }, "reconcile", "--dry-run");

    assert.equal(ran.code, 1);
    const lines = ran.stderr.trim().split("\n").slice(-2);
    assert.equal(lines[0], `hooklog: reconciliation at ${service.url} refused the admin token`);
    assert.match(lines[1] ?? "", /HOOKLOG_ADMIN_TOKENS.*admin-token/);
  });

  it("a service that does not answer exits 1 saying to start the hub or set HOOKLOG_RECONCILIATION_URL", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const ran = await hooklog({ ...env, HOOKLOG_RECONCILIATION_URL: nowhere }, "reconcile", "--dry-run");

    assert.equal(ran.code, 1);
    assert.deepEqual(ran.stderr.trim().split("\n").slice(-2), [
      `hooklog: reconciliation is not answering at ${nowhere}`,
      "hooklog: what to do: start the hub (npm start), or set HOOKLOG_RECONCILIATION_URL",
    ]);
  });

  it("an unknown option or an unreadable --since is a usage error, exit 2", async () => {
    assert.equal((await hooklog(env, "reconcile", "--sorce", "x")).code, 2);
    assert.equal((await hooklog(env, "reconcile", "--since", "yesterday")).code, 2);
  });
});

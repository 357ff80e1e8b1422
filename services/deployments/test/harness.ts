// The one way these tests run deployments: ingest and deployments as real processes on the real
// Kafka, registry and Postgres, a fake GitHub API, and a GitHub source and topic of their own.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEADERS, groupId } from "@hooklog/consumer-kit";
import { connectDatabase, type Knex } from "@hooklog/db";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import { secretEnvVar } from "@hooklog/sources";
import { consumerCaughtUp, eventually, readTopic, startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { sign } from "@octokit/webhooks-methods";
import { startFakeGithub, type FakeGithub } from "./fake-github.ts";

export const GITHUB_TOKEN = `ghs_${randomBytes(18).toString("hex")}`;
/** Small, so a Retry-After of 1 s is what decides when a retry comes. */
export const RETRY_BASE_DELAY_MS = 200;
export const HTTP_TIMEOUT_MS = 1500;

export interface EnvironmentRow {
  repository: string;
  environment: string;
  pull_request: number;
  deployment_id: string | null;
  sha: string;
  state: string;
}

export interface DeploymentsHarness {
  github: FakeGithub;
  /** The ingest source name: an event's key is `<source>:<X-GitHub-Delivery>`. */
  source: string;
  /** Signs and posts a pull_request delivery to ingest; returns ingest's HTTP status. */
  deliver(payload: object, deliveryId?: string): Promise<number>;
  /** Writes the event of a delivery to the topic again, as a replay would: a new hub id, origin replay. */
  replayDelivery(deliveryId: string): Promise<void>;
  environment(repository: string, environment: string): Promise<EnvironmentRow | undefined>;
  /** A counter from deployments' /metrics, e.g. hooklog_consumer_duplicates_skipped_total. */
  metric(name: string): Promise<number>;
  /** What the deployments process has written to stdout and stderr so far. */
  deploymentsOutput(): string;
  /** Resolves once deployments has committed every message of its topic and retry topics: whatever it was going to call GitHub for, it has. */
  caughtUp(): Promise<void>;
  /** Every dead letter deployments has written, as far as its dead-letter topic holds as the read begins (so after caughtUp, all of them). */
  deadLetters(): Promise<Array<{ eventKey: string | undefined; attempt: string | undefined }>>;
  stop(): Promise<void>;
}

export async function startDeployments(): Promise<DeploymentsHarness> {
  const stack = await testStack();
  const endpoints = { KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl };
  const source = uniqueName("github");
  const topic = uniqueName("webhooks.github");
  const secret = randomBytes(20).toString("hex");
  const consumerName = uniqueName("deployments");

  const directory = await mkdtemp(join(tmpdir(), "hooklog-deployments-test-"));
  const configPath = join(directory, "hooklog.config.yaml");
  // YAML is a superset of JSON, so the sources file is written as JSON.
  await writeFile(configPath, JSON.stringify({ sources: { [source]: { provider: "github", topic, partitions: 3 } } }));
  const kafka = createKafka({ clientId: "deployments-test", brokers: stack.kafkaBrokers.split(",") });
  await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);

  const started: Array<{ stop(): Promise<unknown> }> = [];
  try {
    const github = await startFakeGithub();
    started.push({ stop: () => github.close() });
    const ingest = await startServiceProcess("ingest", { ...endpoints, HOOKLOG_CONFIG: configPath, [secretEnvVar(source)]: secret }, "INGEST_PORT");
    started.push(ingest);
    const deployments = await startServiceProcess(
      "deployments",
      {
        ...endpoints,
        DEPLOYMENTS_CONSUMER_NAME: consumerName,
        DEPLOYMENTS_GITHUB_TOPIC: topic,
        GITHUB_API_BASE: github.url,
        GITHUB_TOKEN,
        DEPLOYMENTS_HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS),
        DEPLOYMENTS_RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
      },
      "DEPLOYMENTS_PORT",
    );
    started.push({
      async stop() {
        const code = await deployments.stop();
        if (code !== 0) throw new Error(`deployments exited with ${code} on SIGTERM, not 0:\n${deployments.output()}`);
      },
    });
    const db = connectDatabase(stack.databaseUrl, { poolMax: 2, applicationName: "deployments-test" });
    started.push({ stop: () => db.destroy() });
    return harness({
      github,
      ingest,
      deployments,
      db,
      kafka,
      source,
      topic,
      secret,
      consumerName,
      schemaRegistryUrl: stack.schemaRegistryUrl,
      brokers: stack.kafkaBrokers,
      directory,
      started,
    });
  } catch (error) {
    await stopAll(started, directory);
    throw error;
  }
}

async function stopAll(started: ReadonlyArray<{ stop(): Promise<unknown> }>, directory: string): Promise<void> {
  // Deployments first, so it stops consuming before ingest and the fake GitHub go away; every part
  // is stopped even when one fails, and the first failure is reported after.
  const failures: unknown[] = [];
  for (const each of [...started].reverse()) await each.stop().catch((error: unknown) => failures.push(error));
  await rm(directory, { recursive: true, force: true });
  if (failures.length > 0) throw failures[0];
}

function harness(parts: {
  github: FakeGithub;
  ingest: ServiceProcess;
  deployments: ServiceProcess;
  db: Knex;
  kafka: ReturnType<typeof createKafka>;
  source: string;
  topic: string;
  secret: string;
  consumerName: string;
  schemaRegistryUrl: string;
  brokers: string;
  directory: string;
  started: ReadonlyArray<{ stop(): Promise<unknown> }>;
}): DeploymentsHarness {
  const { github, ingest, deployments, db, kafka, source, topic, secret, consumerName } = parts;
  return {
    github,
    source,
    async deliver(payload, deliveryId = randomUUID()) {
      const body = JSON.stringify(payload);
      const response = await fetch(`${ingest.url}/webhooks/${source}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/5f3c2b1",
          "x-github-event": "pull_request",
          "x-github-delivery": deliveryId,
          "x-hub-signature-256": await sign(secret, body),
        },
        body,
      });
      await response.arrayBuffer();
      return response.status;
    },
    async replayDelivery(deliveryId) {
      const codec = await webhookEventCodec(new SchemaRegistryClient(parts.schemaRegistryUrl), topic);
      // Ingest answers a delivery once Kafka has acknowledged it: the topic holds every event delivered so far.
      const messages = await readTopic(parts.brokers, topic, { toEnd: true });
      for (const message of messages) {
        if (!message.value) continue;
        const envelope = await codec.decode(message.value);
        if (envelope.providerEventId !== deliveryId) continue;
        const producer = createIdempotentProducer(kafka);
        await producer.connect();
        const value = await codec.encode({ ...envelope, id: randomUUID(), origin: "replay", receivedAt: Date.now() });
        await producer.send({ topic, acks: -1, messages: [{ key: message.key, value, headers: message.headers }] });
        await producer.disconnect();
        return;
      }
      throw new Error(`no event of delivery ${deliveryId} on ${topic}`);
    },
    async environment(repository, environment) {
      return (await db("deployment_environments").where({ repository, environment }).first()) as EnvironmentRow | undefined;
    },
    async metric(name) {
      const text = await (await fetch(`${deployments.url}/metrics`)).text();
      const line = text.split("\n").find((each) => each.startsWith(`${name}{`) && each.includes(`consumer="${consumerName}"`));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    },
    deploymentsOutput: () => deployments.output(),
    async caughtUp() {
      await eventually("deployments to have committed every message and retry", () => consumerCaughtUp(parts.brokers, groupId(consumerName)));
    },
    async deadLetters() {
      const messages = await readTopic(parts.brokers, `${consumerName}.dlq`, { toEnd: true });
      return messages.map((message) => ({ eventKey: message.headers[HEADERS.eventKey]?.toString(), attempt: message.headers[HEADERS.attempt]?.toString() }));
    },
    stop: () => stopAll(parts.started, parts.directory),
  };
}

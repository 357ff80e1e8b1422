// The one way these tests run a hub for the CLI: ingest, fulfillment and alerts as processes on the
// real stack, with sources (Stripe, GitHub, Standard Webhooks), topics and consumer names of this
// run, Slack and PagerDuty as local servers, and the environment the CLI finds it all by.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectDatabase, type Knex } from "@hooklog/db";
import { SchemaRegistryClient, createKafka, ensureTopics, webhookTopicSpec } from "@hooklog/kafka";
import { providerModule } from "@hooklog/providers";
import type { WebhookEvent } from "@hooklog/schemas";
import { parseSources, secretEnvVar, type SourceConfig } from "@hooklog/sources";
import {
  eventually,
  readTopic,
  startRecordingServer,
  startServiceProcess,
  testStack,
  uniqueName,
  type RecordingServer,
  type ServiceProcess,
} from "@hooklog/testkit";

export const PAGERDUTY_ROUTING_KEY = "R0123456789abcdef0123456789abcde";
const SLACK_PATH = "/services/T0HOOKLOG/B0CLI/x9TestWebhookToken";
const PAGERDUTY_PATH = "/v2/enqueue";

const PROVIDERS = { stripe: "stripe", github: "github", standard: "standard-webhooks" } as const;
export type SourceRole = keyof typeof PROVIDERS;

export interface HubHarness {
  /** The sources as ingest and the CLI read them from this run's HOOKLOG_CONFIG, secrets included. */
  sources: Record<SourceRole, SourceConfig>;
  /** What the CLI needs to find this hub: HOOKLOG_INGEST_URL, HOOKLOG_CONFIG, the secrets and the stack. */
  cliEnv: Record<string, string>;
  db: Knex;
  slack: RecordingServer;
  pagerDuty: RecordingServer;
  /** Every event in the source's topic as the read begins, decoded as consumers decode it. */
  loggedEvents(source: SourceConfig): Promise<WebhookEvent[]>;
  /** testkit's `eventually`, with the services' output in its timeout error. */
  eventually: typeof eventually;
  stop(): Promise<void>;
}

export async function startHub(): Promise<HubHarness> {
  const stack = await testStack();
  const names = { stripe: uniqueName("stripe"), github: uniqueName("github"), standard: uniqueName("stdwh") };
  const secrets = Object.fromEntries(Object.entries(PROVIDERS).map(([role, provider]) => [role, providerModule(provider).newSecret()])) as Record<
    SourceRole,
    string
  >;
  const common = { KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl };

  const directory = await mkdtemp(join(tmpdir(), "hooklog-cli-test-"));
  const configPath = join(directory, "hooklog.config.yaml");
  const roles = Object.keys(PROVIDERS) as SourceRole[];
  const file = {
    sources: Object.fromEntries(roles.map((role) => [names[role], { provider: PROVIDERS[role], topic: uniqueName(`webhooks.${role}`), partitions: 3 }])),
  };
  // YAML is a superset of JSON.
  const text = JSON.stringify(file);
  await writeFile(configPath, text);
  const secretEnv = Object.fromEntries(roles.map((role) => [secretEnvVar(names[role]), secrets[role]]));
  // Read as ingest reads it, so the topics are made exactly as `npm start` would make them.
  const parsed = parseSources(text, secretEnv, configPath);
  const sources = Object.fromEntries(roles.map((role) => [role, parsed.find((source) => source.name === names[role])])) as Record<SourceRole, SourceConfig>;
  const kafka = createKafka({ clientId: "cli-test", brokers: stack.kafkaBrokers.split(",") });
  await ensureTopics(
    kafka,
    roles.map((role) => webhookTopicSpec(sources[role])),
  );

  const slack = await startRecordingServer({ status: 200, headers: { "content-type": "text/html" }, body: "ok" });
  const pagerDuty = await startRecordingServer({
    status: 202,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: "success", message: "Event processed" }),
  });
  const db = connectDatabase(stack.databaseUrl, { applicationName: "cli-test" });
  const processes: ServiceProcess[] = [];
  const serviceOutput = (): string => `service output:\n${processes.map((service) => service.output().slice(-4000)).join("\n")}`;
  const eventuallyWithOutput: typeof eventually = (what, check, options) => eventually(what, check, { context: serviceOutput, ...options });
  const tasksTopicPrefix = `${uniqueName("cli-test")}.`;

  try {
    processes.push(await startServiceProcess("ingest", { ...common, HOOKLOG_CONFIG: configPath, ...secretEnv }, "INGEST_PORT"));
    // Fulfillment first: it creates the TaskCreated topic alerts subscribes to.
    processes.push(
      await startServiceProcess(
        "fulfillment",
        {
          ...common,
          FULFILLMENT_CONSUMER_NAME: uniqueName("fulfillment"),
          FULFILLMENT_STRIPE_TOPIC: sources.stripe.topic,
          FULFILLMENT_TASKS_TOPIC_PREFIX: tasksTopicPrefix,
          FULFILLMENT_RETRY_BASE_DELAY_MS: "200",
        },
        "FULFILLMENT_PORT",
      ),
    );
    processes.push(
      await startServiceProcess(
        "alerts",
        {
          ...common,
          ALERTS_CONSUMER_NAME: uniqueName("alerts"),
          ALERTS_STRIPE_TOPIC: sources.stripe.topic,
          ALERTS_GITHUB_TOPIC: sources.github.topic,
          ALERTS_TASKS_TOPIC: `${tasksTopicPrefix}fulfillment.TaskCreated`,
          SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}`,
          PAGERDUTY_EVENTS_URL: `${pagerDuty.url}${PAGERDUTY_PATH}`,
          PAGERDUTY_ROUTING_KEY,
          ALERTS_RETRY_BASE_DELAY_MS: "200",
        },
        "ALERTS_PORT",
      ),
    );
  } catch (error) {
    await Promise.all(processes.map((service) => service.stop()));
    await Promise.all([slack.close(), pagerDuty.close(), db.destroy()]);
    throw error;
  }
  const ingest = processes[0] as ServiceProcess;
  const registry = new SchemaRegistryClient(stack.schemaRegistryUrl);

  return {
    sources,
    cliEnv: { ...common, ...secretEnv, HOOKLOG_CONFIG: configPath, HOOKLOG_INGEST_URL: ingest.url },
    db,
    slack,
    pagerDuty,
    async loggedEvents(source) {
      // Ingest answers 202 once Kafka has the event: the topic holds every event accepted so far.
      const messages = await readTopic(stack.kafkaBrokers, source.topic, { toEnd: true });
      return Promise.all(messages.map(async (message) => (await registry.decode(message.value as Buffer)) as WebhookEvent));
    },
    eventually: eventuallyWithOutput,
    async stop() {
      await Promise.all(processes.map((service) => service.stop()));
      await Promise.all([slack.close(), pagerDuty.close(), db.destroy()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

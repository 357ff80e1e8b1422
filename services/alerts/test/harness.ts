// The one way these tests run alerts: ingest, fulfillment and alerts as processes on the real stack,
// with sources, topics and consumer names of this run, and Slack and PagerDuty as local servers.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { groupId } from "@hooklog/consumer-kit";
import { connectDatabase, type Knex } from "@hooklog/db";
import { createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import {
  consumerCaughtUp,
  eventually,
  readTopic,
  startRecordingServer,
  startServiceProcess,
  testStack,
  uniqueName,
  type RecordingServer,
  type ServiceProcess,
} from "@hooklog/testkit";
import Stripe from "stripe";
import type { FakeSlackApi } from "./fake-slack-api.ts";

export const token = (): string => randomBytes(8).toString("hex");

export const SLACK_PATH = "/services/T0HOOKLOG/B0ALERTS/x9TestWebhookToken";
export const PAGERDUTY_PATH = "/v2/enqueue";
export const ROUTING_KEY = "R0123456789abcdef0123456789abcde";
/** Short retries, so a test sees an event through several attempts in seconds. */
const RETRY_BASE_DELAY_MS = 200;

export interface StripeEvent {
  id: string;
  body: string;
}

/** A Stripe event as Stripe sends it: `data.object` is the invoice, dispute, ... */
export function stripeEvent(type: string, object: Record<string, unknown>): StripeEvent {
  const id = `evt_${token()}`;
  const event = { id, object: "event", api_version: "2024-06-20", created: Math.floor(Date.now() / 1000), type, livemode: false, data: { object } };
  return { id, body: JSON.stringify(event, null, 2) };
}

export interface GithubDelivery {
  /** X-GitHub-Delivery: the provider event id. */
  id: string;
  event: string;
  body: string;
}

export function githubDelivery(event: string, payload: Record<string, unknown>): GithubDelivery {
  return { id: randomUUID(), event, body: JSON.stringify(payload) };
}

export interface AlertsHarness {
  slack: RecordingServer;
  pagerDuty: RecordingServer;
  deliverStripe(event: StripeEvent): Promise<number>;
  deliverGithub(delivery: GithubDelivery): Promise<number>;
  /** Writes the Stripe topic's messages keyed `key` (the object id) to it again, byte for byte, as a retrying producer would. */
  duplicateStripeMessages(key: string): Promise<number>;
  /** A counter of alerts' GET /metrics, e.g. hooklog_consumer_duplicates_skipped_total (0 before the first increment). */
  metric(name: string): Promise<number>;
  /**
   * Resolves once alerts has committed every message of its topics (Stripe, GitHub, TaskCreated) and
   * retry topics: every event delivered before has been handled, retries included, so whatever alerts
   * was going to post about it, it has.
   */
  caughtUp(): Promise<void>;
  /** Resolves once alerts has committed the event (`source:providerEventId`). */
  processed(source: "stripe" | "github", providerEventId: string): Promise<void>;
  /** testkit's `eventually`, with the services' output in its timeout error. */
  eventually: typeof eventually;
  stop(): Promise<void>;
}

/** Stripe's invoice.payment_failed for an open invoice on its second attempt. */
export const failedInvoice = (invoiceId: string): StripeEvent =>
  stripeEvent("invoice.payment_failed", {
    id: invoiceId,
    object: "invoice",
    amount_due: 4200,
    currency: "eur",
    customer: "cus_NffrFeUfNV2Hib",
    customer_email: "jenny.rosen@example.com",
    attempt_count: 2,
    status: "open",
  });

export interface AlertsOptions {
  /** Post through Slack's Web API (bot token and channel) instead of the incoming webhook `slack`. */
  slackApi?: FakeSlackApi;
}

export async function startAlerts(options: AlertsOptions = {}): Promise<AlertsHarness> {
  const stack = await testStack();
  const sources = { stripe: `stripe-${token()}`, github: `github-${token()}` };
  const topics = { stripe: uniqueName("webhooks.stripe"), github: uniqueName("webhooks.github") };
  const secrets = { stripe: `whsec_${randomBytes(16).toString("hex")}`, github: randomBytes(20).toString("hex") };
  const tasksTopicPrefix = `${uniqueName("test")}.`;
  const consumer = uniqueName("alerts");
  const common = { KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl };

  const directory = await mkdtemp(join(tmpdir(), "hooklog-alerts-test-"));
  const configPath = join(directory, "hooklog.config.yaml");
  const file = {
    sources: {
      [sources.stripe]: { provider: "stripe", topic: topics.stripe, partitions: 3 },
      [sources.github]: { provider: "github", topic: topics.github, partitions: 3 },
    },
  };
  // YAML is a superset of JSON.
  await writeFile(configPath, JSON.stringify(file));
  const kafka = createKafka({ clientId: "alerts-test", brokers: stack.kafkaBrokers.split(",") });
  await ensureTopics(kafka, [
    { name: topics.stripe, partitions: 3 },
    { name: topics.github, partitions: 3 },
  ]);

  const slack = await startRecordingServer({ status: 200, headers: { "content-type": "text/html" }, body: "ok" });
  const pagerDuty = await startRecordingServer({
    status: 202,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: "success", message: "Event processed" }),
  });
  const db: Knex = connectDatabase(stack.databaseUrl, { applicationName: "alerts-test" });
  const processes: ServiceProcess[] = [];
  const serviceOutput = (): string => `service output:\n${processes.map((service) => service.output().slice(-4000)).join("\n")}`;
  const eventuallyWithOutput: typeof eventually = (what, check, options) => eventually(what, check, { context: serviceOutput, ...options });

  try {
    processes.push(
      await startServiceProcess(
        "ingest",
        { ...common, HOOKLOG_CONFIG: configPath, [secretEnvVar(sources.stripe)]: secrets.stripe, [secretEnvVar(sources.github)]: secrets.github },
        "INGEST_PORT",
      ),
    );
    // Fulfillment first: it creates the TaskCreated topic alerts subscribes to.
    processes.push(
      await startServiceProcess(
        "fulfillment",
        {
          ...common,
          FULFILLMENT_CONSUMER_NAME: uniqueName("fulfillment"),
          FULFILLMENT_STRIPE_TOPIC: topics.stripe,
          FULFILLMENT_TASKS_TOPIC_PREFIX: tasksTopicPrefix,
        },
        "FULFILLMENT_PORT",
      ),
    );
    processes.push(
      await startServiceProcess(
        "alerts",
        {
          ...common,
          ALERTS_CONSUMER_NAME: consumer,
          ALERTS_STRIPE_TOPIC: topics.stripe,
          ALERTS_GITHUB_TOPIC: topics.github,
          ALERTS_TASKS_TOPIC: `${tasksTopicPrefix}fulfillment.TaskCreated`,
          ...(options.slackApi
            ? { SLACK_API_URL: options.slackApi.url, SLACK_BOT_TOKEN: options.slackApi.token, SLACK_CHANNEL_ID: options.slackApi.channel }
            : { SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}` }),
          PAGERDUTY_EVENTS_URL: `${pagerDuty.url}${PAGERDUTY_PATH}`,
          PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
          ALERTS_HTTP_TIMEOUT_MS: "2000",
          ALERTS_RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
        },
        "ALERTS_PORT",
      ),
    );
  } catch (error) {
    await Promise.all(processes.map((service) => service.stop()));
    await Promise.all([slack.close(), pagerDuty.close(), db.destroy()]);
    throw error;
  }
  const [ingest, , alerts] = processes as [ServiceProcess, ServiceProcess, ServiceProcess];

  async function post(source: string, headers: Record<string, string>, body: string): Promise<number> {
    const response = await fetch(`${ingest.url}/webhooks/${source}`, { method: "POST", headers, body });
    await response.body?.cancel();
    return response.status;
  }

  const harness: AlertsHarness = {
    slack,
    pagerDuty,
    deliverStripe: (event) =>
      post(
        sources.stripe,
        {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: event.body, secret: secrets.stripe }),
        },
        event.body,
      ),
    deliverGithub: async (delivery) =>
      post(
        sources.github,
        {
          "content-type": "application/json",
          "x-github-event": delivery.event,
          "x-github-delivery": delivery.id,
          "x-hub-signature-256": await signGithub(secrets.github, delivery.body),
        },
        delivery.body,
      ),
    async duplicateStripeMessages(key) {
      // Ingest answers a delivery once Kafka has acknowledged it: the topic holds every event delivered so far.
      const messages = (await readTopic(stack.kafkaBrokers, topics.stripe, { toEnd: true })).filter((message) => message.key?.toString("utf8") === key);
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      try {
        await producer.send({ topic: topics.stripe, acks: -1, messages: messages.map(({ key, value, headers }) => ({ key, value, headers })) });
      } finally {
        await producer.disconnect();
      }
      return messages.length;
    },
    async metric(name) {
      const text = await (await fetch(`${alerts.url}/metrics`)).text();
      const line = text.split("\n").find((entry) => entry.startsWith(`${name}{`) && entry.includes(`consumer="${consumer}"`));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    },
    async caughtUp() {
      await eventuallyWithOutput("alerts to have committed every message and retry", () => consumerCaughtUp(stack.kafkaBrokers, groupId(consumer)));
    },
    async processed(source, providerEventId) {
      const eventKey = `${sources[source]}:${providerEventId}`;
      await eventuallyWithOutput(`processing of ${eventKey}`, async () =>
        Boolean(await db("processed_events").where({ consumer, event_key: eventKey }).first()),
      );
    },
    eventually: eventuallyWithOutput,
    async stop() {
      await Promise.all(processes.map((service) => service.stop()));
      await Promise.all([slack.close(), pagerDuty.close(), db.destroy()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
  return harness;
}

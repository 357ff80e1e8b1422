// The hub a person would run, as processes on the real stack: ingest, catalog, fulfillment, alerts
// and the console, with a source, topics and consumer names of this run, Slack as a local stand-in
// that can be told to fail, and every service's spans sent to the stack's Zipkin.
import { createHmac, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStackFile } from "@hooklog/infra";
import { createKafka, ensureTopics } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import { type RecordingServer, type ServiceProcess, startRecordingServer, startServiceProcess, testStack, uniqueName } from "@hooklog/testkit";

export interface BrowserHub {
  consoleUrl: string;
  /** The admin token the console accepts, and the name it records actions under. */
  admin: { name: string; token: string };
  source: string;
  consumers: { fulfillment: string; alerts: string };
  /** Every request alerts made to Slack. */
  slack: RecordingServer;
  /** While true, the Slack stand-in answers 500 to every post; false, 200 ok. */
  setSlackFailing(failing: boolean): void;
  /** The Zipkin the services send spans to; undefined when the stack runs without one (HOOKLOG_ZIPKIN=0). */
  zipkinUrl: string | undefined;
  /** Signs a Stripe event with the source's secret and POSTs it to ingest; resolves with ingest's status. */
  deliverStripe(event: StripeEvent): Promise<number>;
  /** The services' last output, for a failed wait's message. */
  output(): string;
  stop(): Promise<void>;
}

export interface StripeEvent {
  id: string;
  type: string;
  body: string;
}

/** A Stripe event as Stripe sends it, in an API version before basil, where an invoice names its PaymentIntent. */
export function stripeEvent(type: string, object: Record<string, unknown>): StripeEvent {
  const id = `evt_${randomBytes(12).toString("hex")}`;
  const event = { id, object: "event", api_version: "2024-06-20", created: Math.floor(Date.now() / 1000), type, livemode: false, data: { object } };
  return { id, type, body: JSON.stringify(event, null, 2) };
}

/** Stripe-Signature: t=<seconds>,v1=<HMAC-SHA256 of "t.body">. https://docs.stripe.com/webhooks#verify-manually */
function stripeSignature(secret: string, body: string): string {
  const timestamp = Math.floor(Date.now() / 1000);
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

const zipkinOfStack = (): string | undefined => process.env.ZIPKIN_URL ?? readStackFile()?.zipkinUrl;

export async function startBrowserHub(): Promise<BrowserHub> {
  const stack = await testStack();
  const run = randomBytes(4).toString("hex");
  const source = `stripe-${run}`;
  const topic = uniqueName("webhooks.stripe");
  const deliveriesTopic = uniqueName("hooklog.Delivery");
  // alerts reads GitHub's source topic too; this run sends nothing there.
  const githubTopic = uniqueName("webhooks.github");
  const secret = `whsec_${randomBytes(16).toString("hex")}`;
  const consumers = { fulfillment: uniqueName("fulfillment"), alerts: uniqueName("alerts"), catalog: uniqueName("catalog") };
  const tasksTopicPrefix = `${uniqueName("test")}.`;
  const admin = { name: "browser-tester", token: `hla_${randomBytes(24).toString("base64url")}` };
  const zipkinUrl = zipkinOfStack();

  const directory = await mkdtemp(join(tmpdir(), "hooklog-console-browser-"));
  const configPath = join(directory, "hooklog.config.yaml");
  // YAML is a superset of JSON.
  await writeFile(configPath, JSON.stringify({ sources: { [source]: { provider: "stripe", topic, partitions: 3 } } }));
  await ensureTopics(createKafka({ clientId: "console-browser-test", brokers: stack.kafkaBrokers.split(",") }), [
    { name: topic, partitions: 3 },
    { name: deliveriesTopic, partitions: 6 },
    { name: githubTopic, partitions: 3 },
  ]);

  let slackFailing = false;
  const slack = await startRecordingServer({ status: 200, headers: { "content-type": "text/html" }, body: "ok" });
  // A script whose match reads the switch: while failing, every post takes a 500 from it; otherwise the default 200.
  slack.script(
    () => slackFailing,
    Array.from({ length: 1000 }, () => ({ status: 500, body: "internal_error" })),
  );
  const pagerDuty = await startRecordingServer({ status: 202, headers: { "content-type": "application/json" }, body: '{"status":"success"}' });

  const common: Record<string, string> = {
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    DATABASE_URL: stack.databaseUrl,
    HOOKLOG_CONFIG: configPath,
    ...(zipkinUrl ? { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkinUrl}/api/v2/spans`, OTEL_BSP_SCHEDULE_DELAY: "200" } : {}),
  };
  // Started together (each consumer makes the topics it reads), and all awaited, so a failed start stops the others.
  const starts = await Promise.allSettled([
    startServiceProcess("ingest", { ...common, [secretEnvVar(source)]: secret, INGEST_DELIVERY_TOPIC: deliveriesTopic }, "INGEST_PORT"),
    startServiceProcess(
      "console",
      // The source's secret too, as every service of a deployment reads the same settings: the event page counts them.
      {
        ...common,
        [secretEnvVar(source)]: secret,
        HOOKLOG_ADMIN_TOKENS: `${admin.name}=${admin.token}`,
        HOOKLOG_TRACE_URL: `${zipkinUrl ?? "http://127.0.0.1:9411"}/zipkin/traces/{traceId}`,
      },
      "CONSOLE_PORT",
    ),
    startServiceProcess(
      "catalog",
      { ...common, CATALOG_CONSUMER_NAME: consumers.catalog, CATALOG_DELIVERIES_TOPIC: deliveriesTopic, CATALOG_RETRY_BASE_DELAY_MS: "200" },
      "CATALOG_PORT",
    ),
    startServiceProcess(
      "fulfillment",
      {
        ...common,
        FULFILLMENT_CONSUMER_NAME: consumers.fulfillment,
        FULFILLMENT_STRIPE_TOPIC: topic,
        FULFILLMENT_TASKS_TOPIC_PREFIX: tasksTopicPrefix,
        FULFILLMENT_RETRY_BASE_DELAY_MS: "200",
      },
      "FULFILLMENT_PORT",
    ),
    startServiceProcess(
      "alerts",
      {
        ...common,
        ALERTS_CONSUMER_NAME: consumers.alerts,
        ALERTS_STRIPE_TOPIC: topic,
        ALERTS_GITHUB_TOPIC: githubTopic,
        ALERTS_TASKS_TOPIC: `${tasksTopicPrefix}fulfillment.TaskCreated`,
        SLACK_WEBHOOK_URL: `${slack.url}/services/T0HOOKLOG/B0CONSOLE/browserTestToken`,
        PAGERDUTY_EVENTS_URL: `${pagerDuty.url}/v2/enqueue`,
        PAGERDUTY_ROUTING_KEY: "R0123456789abcdef0123456789abcde",
        ALERTS_HTTP_TIMEOUT_MS: "2000",
        // Five attempts 0.2, 0.4, 0.8, 1.6 s apart: a failing Slack dead-letters an alert in seconds.
        ALERTS_RETRY_BASE_DELAY_MS: "200",
      },
      "ALERTS_PORT",
    ),
  ]);
  const processes = starts.flatMap((start) => (start.status === "fulfilled" ? [start.value] : []));
  const stopAll = async (): Promise<void> => {
    await Promise.all(processes.map((service) => service.stop()));
    await Promise.all([slack.close(), pagerDuty.close(), rm(directory, { recursive: true, force: true })]);
  };
  const failed = starts.find((start): start is PromiseRejectedResult => start.status === "rejected");
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [ingest, consoleService] = processes as [ServiceProcess, ServiceProcess];
  return {
    consoleUrl: consoleService.url,
    admin,
    source,
    consumers: { fulfillment: consumers.fulfillment, alerts: consumers.alerts },
    slack,
    setSlackFailing: (failing) => {
      slackFailing = failing;
    },
    zipkinUrl,
    async deliverStripe(event) {
      const response = await fetch(`${ingest.url}/webhooks/${source}`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": stripeSignature(secret, event.body) },
        body: event.body,
      });
      await response.body?.cancel();
      return response.status;
    },
    output: () => processes.map((service) => service.output().slice(-3000)).join("\n"),
    stop: stopAll,
  };
}

// The hub under test, all of it this run's own: the stack, the source topics, a relay in front of the
// registry, stand-ins for Slack, PagerDuty and GitHub, and the services wired to them.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { newWebhookSecret } from "@hooklog/infra";
import { createKafka, ensureTopics, webhookTopicSpec } from "@hooklog/kafka";
import { loadSources } from "@hooklog/sources";
import { TcpRelay } from "@hooklog/testkit";
import type { Secrets } from "./event-mix.ts";
import { startHubServices, type HubServices, type ServiceName } from "./hub-services.ts";
import { startOwnStack, type BrokerCount, type OwnStack } from "./own-stack.ts";
import { startStandIns, type StandIns } from "./stand-ins.ts";
import type { Teardown } from "./teardown.ts";

export interface Hub {
  stack: OwnStack;
  /** In front of the registry: the services' SCHEMA_REGISTRY_URL, so a fault can make it hang. */
  relay: TcpRelay;
  services: HubServices;
  standIns: StandIns;
  secrets: Secrets;
  /** The topics of the sources the load posts to. */
  topics: string[];
  logDir: string;
}

/** Everything it starts is added to `teardown` as soon as it runs, so a failure or Ctrl-C halfway stops it too. */
export async function startHub(stateDir: string, brokers: BrokerCount, say: (line: string) => void, teardown: Teardown): Promise<Hub> {
  const logDir = join(stateDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const started = performance.now();
  const stack = await startOwnStack(stateDir, brokers, teardown);
  say(
    `own stack up in ${((performance.now() - started) / 1000).toFixed(1)} s: kafka ${stack.kafkaBrokers}, registry ${stack.registryUrl}, postgres ${stack.databaseUrl.replace(/:[^:@/]+@/, ":***@")}`,
  );

  // The sources file ingest reads too (hooklog.config.yaml unless HOOKLOG_CONFIG says); the load posts to its stripe and github sources.
  const sources = loadSources(process.env);
  const stripe = sources.find((source) => source.name === "stripe");
  const github = sources.find((source) => source.name === "github");
  if (!stripe || !github) throw new Error("hooklog.config.yaml must declare the sources stripe and github");
  // Replicated as the project's topic spec says for the cluster: one copy on one broker; three, two in sync, on three.
  await ensureTopics(
    createKafka({ clientId: "hooklog-faults", brokers: stack.kafkaBrokers.split(",") }),
    sources.map((source) => webhookTopicSpec(source)),
  );
  const secretBySource = new Map(sources.map((source) => [source, newWebhookSecret(source.provider)]));

  const registry = new URL(stack.registryUrl);
  const relay = await TcpRelay.open({ host: registry.hostname, port: Number(registry.port) }, "forward");
  teardown.add("the relay to the registry", () => relay.close());
  const relayedRegistryUrl = `http://127.0.0.1:${relay.port}${registry.pathname}`;
  const routingKey = randomBytes(16).toString("hex");
  const githubToken = `ghs_${randomBytes(18).toString("hex")}`;
  const slack = { token: `xoxb-${randomBytes(12).toString("hex")}`, channel: "C0FAULTS01" };
  const standIns = await startStandIns({ routingKey, githubToken, slack });
  teardown.add("the stand-ins", () => standIns.close());

  // Consumers at info: a doubled or missing effect is read against what they said (deployments names each deployment).
  const common = { KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: relayedRegistryUrl, DATABASE_URL: stack.databaseUrl, LOG_LEVEL: "info" };
  const env: Record<ServiceName, Record<string, string>> = {
    ingest: { ...common, LOG_LEVEL: "warn", ...Object.fromEntries([...secretBySource].map(([source, secret]) => [source.secretEnvVar, secret])) },
    fulfillment: common,
    alerts: {
      ...common,
      // The Web API, so that a post whose answer was lost is looked for before it is made again.
      SLACK_API_URL: `${standIns.urls.slack}/api`,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_CHANNEL_ID: slack.channel,
      PAGERDUTY_EVENTS_URL: `${standIns.urls.pagerduty}/v2/enqueue`,
      PAGERDUTY_ROUTING_KEY: routingKey,
    },
    deployments: { ...common, GITHUB_API_BASE: standIns.urls.github, GITHUB_TOKEN: githubToken },
  };
  const servicesStarted = performance.now();
  const services = await startHubServices(env, logDir, say, teardown);
  say(
    `services up in ${((performance.now() - servicesStarted) / 1000).toFixed(1)} s: ingest ${services.ingestUrl()}; Slack, PagerDuty and GitHub stand-ins at ${Object.values(standIns.urls).join(", ")}`,
  );

  return {
    stack,
    relay,
    services,
    standIns,
    secrets: { stripe: secretBySource.get(stripe) as string, github: secretBySource.get(github) as string },
    topics: [stripe.topic, github.topic],
    logDir,
  };
}

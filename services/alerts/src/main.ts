// Composition root of alerts: config, the Slack and PagerDuty clients, then the kit runs the service
// (migrate, consume, serve /healthz and /metrics, drain on SIGTERM).
import { runConsumerService } from "@hooklog/consumer-kit";
import { loadAlertsConfig, slackTarget } from "./config.ts";
import { alertsConsumer } from "./handlers.ts";
import { createPagerDutyClient } from "./pagerduty.ts";
import { createSlackClient } from "./slack.ts";

const config = loadAlertsConfig();
const slack = slackTarget(config);
await runConsumerService(
  {
    service: "alerts",
    port: config.ALERTS_PORT,
    host: config.ALERTS_HOST,
    settings: config,
  },
  ({ logger }) =>
    alertsConsumer(
      {
        consumerName: config.ALERTS_CONSUMER_NAME,
        stripeTopic: config.ALERTS_STRIPE_TOPIC,
        githubTopic: config.ALERTS_GITHUB_TOPIC,
        tasksTopic: config.ALERTS_TASKS_TOPIC,
        retryBaseDelayMs: config.ALERTS_RETRY_BASE_DELAY_MS,
      },
      {
        slack: createSlackClient(slack, { timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS, logger }),
        pagerDuty: createPagerDutyClient({
          eventsUrl: config.PAGERDUTY_EVENTS_URL,
          routingKey: config.PAGERDUTY_ROUTING_KEY,
          timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS,
        }),
      },
    ),
);

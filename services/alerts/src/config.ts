import { loadConfig, z } from "@hooklog/config";

/** Every setting of alerts, validated once at start. The Slack URL and routing key are secrets: never logged. */
export function loadAlertsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "alerts",
    {
      /** GET /healthz and GET /metrics. */
      ALERTS_PORT: z.coerce.number().int().min(0).max(65535).default(3102),
      /** Consumer group hooklog.<name>, retry topics <name>.retry.<n>, dead letters <name>.dlq. */
      ALERTS_CONSUMER_NAME: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, "lower-case letters, digits and '-'").default("alerts"),
      ALERTS_STRIPE_TOPIC: z.string().min(1).default("webhooks.stripe"),
      ALERTS_GITHUB_TOPIC: z.string().min(1).default("webhooks.github"),
      ALERTS_TASKS_TOPIC: z.string().min(1).default("fulfillment.TaskCreated"),
      /** A Slack incoming webhook: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks */
      SLACK_WEBHOOK_URL: z.url(),
      /** https://developer.pagerduty.com/docs/events-api-v2/trigger-events */
      PAGERDUTY_EVENTS_URL: z.url().default("https://events.pagerduty.com/v2/enqueue"),
      PAGERDUTY_ROUTING_KEY: z.string().min(1),
      /** Per outgoing HTTP call; a timeout counts as a failure and is retried. */
      ALERTS_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
      /** Delay before the second attempt of a failed event; doubles for each further one. */
      ALERTS_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(1000),
    },
    env,
  );
}

export type AlertsConfig = ReturnType<typeof loadAlertsConfig>;

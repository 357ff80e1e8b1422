import { bindHost, ConfigError, loadConfig, z } from "@hooklog/config";
import type { SlackTarget } from "./slack.ts";

/** Every setting of alerts, validated once at start. The Slack URL and routing key are secrets: never logged. */
export function loadAlertsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "alerts",
    {
      /** GET /healthz and GET /metrics. */
      ALERTS_PORT: z.coerce.number().int().min(0).max(65535).default(3102),
      ALERTS_HOST: bindHost,
      /** Consumer group hooklog.<name>, retry topics <name>.retry.<n>, dead letters <name>.dlq. */
      ALERTS_CONSUMER_NAME: z
        .string()
        .regex(/^[a-z][a-z0-9-]{1,62}$/, "lower-case letters, digits and '-'")
        .default("alerts"),
      ALERTS_STRIPE_TOPIC: z.string().min(1).default("webhooks.stripe"),
      ALERTS_GITHUB_TOPIC: z.string().min(1).default("webhooks.github"),
      ALERTS_TASKS_TOPIC: z.string().min(1).default("fulfillment.TaskCreated"),
      /** A Slack incoming webhook: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks */
      SLACK_WEBHOOK_URL: z.url().optional(),
      /** Or Slack's Web API: a bot token (chat:write, channels:history) and the channel's id. See slackTarget. */
      SLACK_BOT_TOKEN: z
        .string()
        .regex(/^xox[a-z]-/, "a Slack token (xoxb-...)")
        .optional(),
      SLACK_CHANNEL_ID: z
        .string()
        .regex(/^[CGD][A-Z0-9]{2,}$/, "a channel id such as C0123456789, not its name")
        .optional(),
      SLACK_API_URL: z.url().default("https://slack.com/api"),
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

/**
 * Where alerts posts: the Web API when a bot token and channel are set (a post whose answer was lost
 * is looked for before it is made again), else the incoming webhook (such a post may show twice).
 */
export function slackTarget(config: AlertsConfig): SlackTarget {
  const { SLACK_WEBHOOK_URL: webhookUrl, SLACK_BOT_TOKEN: token, SLACK_CHANNEL_ID: channel } = config;
  if (token && channel) return { kind: "web-api", apiUrl: config.SLACK_API_URL, token, channel };
  if (token || channel)
    throw new ConfigError("alerts", [`${token ? "SLACK_CHANNEL_ID" : "SLACK_BOT_TOKEN"}: required with ${token ? "SLACK_BOT_TOKEN" : "SLACK_CHANNEL_ID"}`]);
  if (webhookUrl) return { kind: "incoming-webhook", webhookUrl };
  throw new ConfigError("alerts", ["SLACK_WEBHOOK_URL: required, unless SLACK_BOT_TOKEN and SLACK_CHANNEL_ID are set"]);
}

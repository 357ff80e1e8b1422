// Which event raises which alert. Each call goes through ctx.once, so a retry, redelivery or replay
// of an event that was already announced gets the stored result instead of a second message; a
// post whose outcome went unrecorded is looked for in Slack first (Web API) before it is made again.
import { defineConsumer, type ConsumerDefinition, type HandlerContext, type WebhookHandler } from "@hooklog/consumer-kit";
import { GITHUB_RUN_TYPES, failedRunAlert, type GithubRunType } from "./github-failures.ts";
import type { PagerDutyClient } from "./pagerduty.ts";
import type { SlackClient, SlackMessage } from "./slack.ts";
import { disputeCreatedMessage, paymentFailedMessage, taskCreatedMessage } from "./slack-messages.ts";

export const TASK_CREATED = "fulfillment.TaskCreated";

export interface AlertsSettings {
  consumerName: string;
  stripeTopic: string;
  githubTopic: string;
  tasksTopic: string;
  retryBaseDelayMs: number;
}

export interface AlertsDeps {
  slack: SlackClient;
  pagerDuty: PagerDutyClient;
}

export function alertsConsumer(settings: AlertsSettings, deps: AlertsDeps): ConsumerDefinition {
  const postToSlack = async (ctx: HandlerContext, message: SlackMessage): Promise<void> => {
    await ctx.once("slack", (effectKey, earlier) => deps.slack.post(message, { effectKey, earlier }));
  };
  const announce =
    (messageOf: (payload: unknown) => SlackMessage): WebhookHandler =>
    (inbound, ctx) =>
      postToSlack(ctx, messageOf(inbound.payload()));
  const page =
    (type: GithubRunType): WebhookHandler =>
    async (inbound, ctx) => {
      const alert = failedRunAlert(type, inbound.payload());
      if (alert) await ctx.once("pagerduty", () => deps.pagerDuty.trigger(alert));
    };

  return defineConsumer({
    name: settings.consumerName,
    subscriptions: [
      {
        topic: settings.stripeTopic,
        on: { "invoice.payment_failed": announce(paymentFailedMessage), "charge.dispute.created": announce(disputeCreatedMessage) },
      },
      { topic: settings.tasksTopic, record: TASK_CREATED, on: (inbound, ctx) => postToSlack(ctx, taskCreatedMessage(inbound.event)) },
      { topic: settings.githubTopic, on: Object.fromEntries(GITHUB_RUN_TYPES.map((type) => [type, page(type)])) },
    ],
    retryBaseDelayMs: settings.retryBaseDelayMs,
  });
}

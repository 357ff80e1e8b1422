// Which event raises which alert. Each call goes through ctx.once, so a retry, redelivery or replay
// of an event that was already announced gets the stored result instead of a second message; a
// post whose outcome went unrecorded is looked for in Slack first (Web API) before it is made again.
import { defineConsumer, type ConsumerDefinition, type HandlerContext, type InboundEvent } from "@hooklog/consumer-kit";
import { GITHUB_RUN_TYPES, failedRunAlert, isGithubRunType } from "./github-failures.ts";
import type { PagerDutyClient } from "./pagerduty.ts";
import type { SlackClient, SlackMessage } from "./slack.ts";
import { disputeCreatedMessage, paymentFailedMessage, taskCreatedMessage } from "./slack-messages.ts";

export const TASK_CREATED = "fulfillment.TaskCreated";

const STRIPE_MESSAGES: ReadonlyMap<string, (payload: unknown) => SlackMessage> = new Map([
  ["invoice.payment_failed", paymentFailedMessage],
  ["charge.dispute.created", disputeCreatedMessage],
]);

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

export function createAlertHandler(deps: AlertsDeps) {
  const postToSlack = (ctx: HandlerContext, message: SlackMessage) =>
    ctx.once("slack", (effectKey, earlier) => deps.slack.post(message, { effectKey, earlier }));

  return async function handleAlert(inbound: InboundEvent, ctx: HandlerContext): Promise<void> {
    if (inbound.kind === "domain") {
      if (inbound.type !== TASK_CREATED) throw new Error(`alerts has no handler for ${inbound.type}`);
      const message = taskCreatedMessage(inbound.event);
      await postToSlack(ctx, message);
      return;
    }
    const stripeMessage = STRIPE_MESSAGES.get(inbound.type);
    if (stripeMessage) {
      const message = stripeMessage(inbound.payload());
      await postToSlack(ctx, message);
      return;
    }
    if (isGithubRunType(inbound.type)) {
      const alert = failedRunAlert(inbound.type, inbound.payload());
      if (alert) await ctx.once("pagerduty", () => deps.pagerDuty.trigger(alert));
      return;
    }
    // The subscriptions admit only the types above; anything else means the two lists drifted apart.
    throw new Error(`alerts has no handler for ${inbound.type}`);
  };
}

export function alertsConsumer(settings: AlertsSettings, deps: AlertsDeps): ConsumerDefinition {
  return defineConsumer({
    name: settings.consumerName,
    subscriptions: [
      { topic: settings.stripeTopic, types: [...STRIPE_MESSAGES.keys()] },
      { topic: settings.tasksTopic, record: TASK_CREATED },
      { topic: settings.githubTopic, types: GITHUB_RUN_TYPES },
    ],
    retryBaseDelayMs: settings.retryBaseDelayMs,
    handle: createAlertHandler(deps),
  });
}

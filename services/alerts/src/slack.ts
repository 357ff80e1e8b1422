// Slack, through an incoming webhook (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks)
// or the Web API (slack-web-api.ts). Neither takes an idempotency key: see postOnce below.
import type { EarlierAttempt } from "@hooklog/consumer-kit";
import type { Logger } from "@hooklog/logging";
import { postJson } from "./http-delivery.ts";
import { createSlackWebApi } from "./slack-web-api.ts";

/** Slack's message payload; `text` is the summary every client shows (and the notification text). */
export interface SlackMessage {
  text: string;
  blocks?: readonly unknown[];
}

/** What once() knows of this post: its stable key, and whether an earlier attempt may have posted it. */
export interface SlackPost {
  effectKey: string;
  earlier: EarlierAttempt | undefined;
}

export interface SlackClient {
  post(message: SlackMessage, post: SlackPost): Promise<{ status: number; ts?: string; alreadyPosted?: boolean }>;
}

export type SlackTarget = { kind: "incoming-webhook"; webhookUrl: string } | { kind: "web-api"; apiUrl: string; token: string; channel: string };

export function createSlackClient(target: SlackTarget, options: { timeoutMs: number; logger: Logger }): SlackClient {
  if (target.kind === "web-api") return createSlackWebApi({ ...target, ...options });
  return {
    async post(message, post) {
      // An incoming webhook cannot be asked what it posted: a post whose answer was lost is posted
      // again, so the message may show twice rather than never. The Web API closes that window.
      if (post.earlier) {
        options.logger.warn(
          { effectKey: post.effectKey, earlierAttempts: post.earlier.attempts },
          "posting to Slack again: an earlier post's outcome is unknown and incoming webhooks cannot be asked (set SLACK_BOT_TOKEN and SLACK_CHANNEL_ID to look first)",
        );
      }
      const { status } = await postJson("Slack", target.webhookUrl, message, options.timeoutMs);
      return { status };
    },
  };
}

// Slack incoming webhooks: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks
import { postJson } from "./http-delivery.ts";

/** Slack's message payload; `text` is the summary every client shows (and the notification text). */
export interface SlackMessage {
  text: string;
  blocks?: readonly unknown[];
}

export interface SlackClient {
  post(message: SlackMessage): Promise<{ status: number }>;
}

export function createSlackClient(options: { webhookUrl: string; timeoutMs: number }): SlackClient {
  return {
    async post(message) {
      const { status } = await postJson("Slack", options.webhookUrl, message, options.timeoutMs);
      return { status };
    },
  };
}

// Slack's Web API: chat.postMessage (https://docs.slack.dev/reference/methods/chat.postMessage) with
// the effect key in the message's metadata (https://docs.slack.dev/messaging/message-metadata), and
// conversations.history (https://docs.slack.dev/reference/methods/conversations.history) to find a
// message an earlier attempt posted but never heard back about.
import type { EarlierAttempt } from "@hooklog/consumer-kit";
import type { Logger } from "@hooklog/logging";
import { DeliveryError, requestJson } from "./http-delivery.ts";
import type { SlackClient } from "./slack.ts";

export const METADATA_EVENT_TYPE = "hooklog_alert";

/** Slack stamps a message with its own clock: the window searched is widened by this much each way. */
const CLOCK_SKEW_MARGIN_MS = 10_000;
/** Pages of history searched before posting anyway: 10 000 messages of the attempts' window. */
const MAX_HISTORY_PAGES = 50;

// Errors of https://docs.slack.dev/reference/methods/chat.postMessage#errors that a retry may get past.
const TRANSIENT_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"]);

interface SlackAnswer {
  ok: boolean;
  error?: string;
  ts?: string;
  messages?: Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }>;
  response_metadata?: { next_cursor?: string };
}

export interface SlackWebApiOptions {
  apiUrl: string;
  token: string;
  channel: string;
  timeoutMs: number;
  logger: Logger;
}

export function createSlackWebApi(options: SlackWebApiOptions): SlackClient {
  const headers = { authorization: `Bearer ${options.token}` };

  // Slack answers 200 with ok: false for its own errors; the token never reaches a message.
  async function call(method: string, request: { method: "GET"; query: Record<string, string> } | { method: "POST"; body: unknown }): Promise<SlackAnswer> {
    const url = new URL(`${options.apiUrl.replace(/\/$/, "")}/${method}`);
    if (request.method === "GET") for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
    const delivered = await requestJson(
      `Slack ${method}`,
      url.toString(),
      request.method === "GET" ? { method: "GET", headers } : { method: "POST", body: request.body, headers },
      options.timeoutMs,
    );
    let answer: SlackAnswer;
    try {
      answer = JSON.parse(delivered.body) as SlackAnswer;
    } catch (error) {
      throw new DeliveryError("SLACK_UNREADABLE", `Slack ${method} answered ${delivered.status} with a body that is not JSON`, true, { cause: error });
    }
    if (!answer.ok) {
      const code = answer.error ?? "unknown_error";
      throw new DeliveryError(`SLACK_${code.toUpperCase()}`, `Slack ${method} answered ${code}`, TRANSIENT_ERRORS.has(code));
    }
    return answer;
  }

  /** The message an earlier attempt posted: only the window in which those attempts ran is searched. */
  async function findPosted(effectKey: string, earlier: EarlierAttempt): Promise<string | undefined> {
    const oldest = ((earlier.startedAt.getTime() - CLOCK_SKEW_MARGIN_MS) / 1000).toFixed(6);
    const latest = ((earlier.lastStartedAt.getTime() + options.timeoutMs + CLOCK_SKEW_MARGIN_MS) / 1000).toFixed(6);
    let cursor = "";
    for (let page = 0; page < MAX_HISTORY_PAGES; page += 1) {
      const answer = await call("conversations.history", {
        method: "GET",
        query: { channel: options.channel, oldest, latest, include_all_metadata: "true", limit: "200", ...(cursor ? { cursor } : {}) },
      });
      const found = answer.messages?.find(
        (message) => message.metadata?.event_type === METADATA_EVENT_TYPE && message.metadata.event_payload?.effect_key === effectKey,
      );
      if (found?.ts) return found.ts;
      cursor = answer.response_metadata?.next_cursor ?? "";
      if (!cursor) return undefined;
    }
    options.logger.warn({ effectKey, pages: MAX_HISTORY_PAGES }, "Slack history searched as far as allowed without finding an earlier post: posting");
    return undefined;
  }

  return {
    async post(message, post) {
      if (post.earlier) {
        const ts = await findPosted(post.effectKey, post.earlier);
        if (ts) {
          options.logger.info({ effectKey: post.effectKey, ts }, "Slack message already posted by an earlier attempt");
          return { status: 200, ts, alreadyPosted: true };
        }
      }
      const answer = await call("chat.postMessage", {
        method: "POST",
        body: { channel: options.channel, ...message, metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { effect_key: post.effectKey } } },
      });
      return { status: 200, ...(answer.ts ? { ts: answer.ts } : {}) };
    },
  };
}

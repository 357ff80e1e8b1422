// Slack as alerts calls it: an incoming webhook (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks,
// 200 "ok" for a message with text, 400 "no_text" without), and the Web API's chat.postMessage and
// conversations.history (https://docs.slack.dev/reference/methods/chat.postMessage, .../conversations.history)
// with message metadata, which the run uses so that alerts can look before it posts again. Slack
// takes no idempotency key, so each message is counted by the object its text names (alerts writes
// one line of key facts per message).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EffectTally } from "./effect-tally.ts";
import { effectKey } from "./effect-tally.ts";
import { listen, readJson, sendJson, type StandIn } from "./stand-in-server.ts";

const SUBJECTS: ReadonlyArray<RegExp> = [/^New fulfillment task (\S+) for order/, /^Payment failed: invoice (\S+) for/, /^Dispute opened: (\S+) for/];

/** The object a message is about (a task, invoice or dispute id), or the whole text for one we do not know. */
export function slackSubject(text: string): string {
  for (const pattern of SUBJECTS) {
    const subject = pattern.exec(text)?.[1];
    if (subject) return subject;
  }
  return `text:${text}`;
}

export interface SlackWebApiSetup {
  token: string;
  channel: string;
}

interface Posted {
  ts: string;
  text: string;
  metadata?: unknown;
}

/** Slack's cursor pages: newest first, `limit` at a time. */
function historyPage(posted: readonly Posted[], query: URLSearchParams): unknown {
  const oldest = Number(query.get("oldest") ?? 0);
  const latest = Number(query.get("latest") ?? Number.POSITIVE_INFINITY);
  const from = Number(query.get("cursor") || 0);
  const limit = Math.min(Number(query.get("limit") ?? 100), 1000);
  const newestFirst = posted.filter((message) => Number(message.ts) > oldest && Number(message.ts) < latest).reverse();
  const page = newestFirst.slice(from, from + limit);
  const more = from + page.length < newestFirst.length;
  const withMetadata = query.get("include_all_metadata") === "true";
  return {
    ok: true,
    messages: page.map(({ metadata, ...message }) => ({ type: "message", ...message, ...(withMetadata && metadata ? { metadata } : {}) })),
    has_more: more,
    response_metadata: { next_cursor: more ? String(from + page.length) : "" },
  };
}

export function startSlackStandIn(tally: EffectTally, webApi: SlackWebApiSetup): Promise<StandIn> {
  const posted: Posted[] = [];
  let sequence = 0;

  async function answerWebApi(method: string, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (request.headers.authorization !== `Bearer ${webApi.token}`) return sendJson(response, 200, { ok: false, error: "invalid_auth" });
    if (method === "conversations.history") {
      if (url.searchParams.get("channel") !== webApi.channel) return sendJson(response, 200, { ok: false, error: "channel_not_found" });
      return sendJson(response, 200, historyPage(posted, url.searchParams));
    }
    if (method !== "chat.postMessage" || request.method !== "POST") return sendJson(response, 200, { ok: false, error: "unknown_method" });
    const body = await readJson(request);
    if (body?.channel !== webApi.channel) return sendJson(response, 200, { ok: false, error: "channel_not_found" });
    if (typeof body.text !== "string" || !body.text) return sendJson(response, 200, { ok: false, error: "no_text" });
    sequence += 1;
    const ts = `${Math.floor(Date.now() / 1000)}.${String(sequence % 1_000_000).padStart(6, "0")}`;
    posted.push({ ts, text: body.text, metadata: body.metadata });
    tally.record(effectKey.slack(slackSubject(body.text)));
    sendJson(response, 200, { ok: true, channel: webApi.channel, ts });
  }

  return listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://slack.invalid");
    const method = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname)?.[1];
    if (method) return answerWebApi(method, request, response, url);
    const body = request.method === "POST" ? await readJson(request) : undefined;
    const text = typeof body?.text === "string" ? body.text : undefined;
    if (!text) {
      response.writeHead(400, { "content-type": "text/plain" }).end("no_text");
      return;
    }
    tally.record(effectKey.slack(slackSubject(text)));
    response.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
}

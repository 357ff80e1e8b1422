// Slack's Web API as a local server, the two methods alerts calls: chat.postMessage
// (https://docs.slack.dev/reference/methods/chat.postMessage) and conversations.history
// (https://docs.slack.dev/reference/methods/conversations.history). It answers as Slack does (HTTP
// 200 with `ok`, a cursor for the next page), keeps the channel's messages with their metadata, and
// can be told to answer the next calls of a method late or with an error.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type SlackMethod = "chat.postMessage" | "conversations.history";

export interface SlackApiRequest {
  method: SlackMethod | string;
  authorization: string | undefined;
  /** The JSON body of a POST, or the query of a GET, as an object. */
  args: Record<string, unknown>;
  at: number;
}

export interface StoredMessage {
  ts: string;
  channel: string;
  text: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Posts the message and answers after `delayMs`, or answers `status` without posting. */
export type SlackFault = { delayMs: number } | { status: number; headers?: Record<string, string> };

export interface FakeSlackApi {
  url: string;
  token: string;
  channel: string;
  requests(method?: SlackMethod): SlackApiRequest[];
  messages(): StoredMessage[];
  failNext(method: SlackMethod, fault: SlackFault, times?: number): void;
  close(): Promise<void>;
}

/** Small pages, so a lookup that must page is exercised by a handful of messages. */
const PAGE_SIZE = 3;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}

export async function startFakeSlackApi(options: { token: string; channel: string }): Promise<FakeSlackApi> {
  const recorded: SlackApiRequest[] = [];
  const messages: StoredMessage[] = [];
  const faults = new Map<string, SlackFault[]>();
  let sequence = 0;

  function postMessage(args: Record<string, unknown>): unknown {
    if (args.channel !== options.channel) return { ok: false, error: "channel_not_found" };
    if (typeof args.text !== "string" || args.text.length === 0) return { ok: false, error: "no_text" };
    // Slack's ts: the second it was posted, and a part that orders the messages of one second.
    sequence += 1;
    const ts = `${Math.floor(Date.now() / 1000)}.${String(sequence % 1_000_000).padStart(6, "0")}`;
    const metadata = args.metadata as StoredMessage["metadata"];
    messages.push({ ts, channel: options.channel, text: args.text, ...(metadata ? { metadata } : {}) });
    return { ok: true, channel: options.channel, ts, message: { type: "message", text: args.text, ts } };
  }

  function history(args: Record<string, unknown>): unknown {
    if (args.channel !== options.channel) return { ok: false, error: "channel_not_found" };
    const oldest = Number(args.oldest ?? 0);
    const latest = Number(args.latest ?? Number.POSITIVE_INFINITY);
    const withMetadata = args.include_all_metadata === "true" || args.include_all_metadata === true;
    // Newest first, as Slack returns them; the cursor is the index of the next message.
    const matching = messages.filter((message) => Number(message.ts) > oldest && Number(message.ts) < latest).reverse();
    const from = Number(args.cursor ?? 0);
    const page = matching.slice(from, from + Math.min(Number(args.limit ?? 100), PAGE_SIZE));
    const hasMore = from + page.length < matching.length;
    return {
      ok: true,
      messages: page.map(({ channel: _channel, metadata, ...message }) => ({ type: "message", ...message, ...(withMetadata && metadata ? { metadata } : {}) })),
      has_more: hasMore,
      response_metadata: { next_cursor: hasMore ? String(from + page.length) : "" },
    };
  }

  const server = createServer((incoming, response) => {
    void (async () => {
      const url = new URL(incoming.url ?? "/", "http://slack.test");
      const method = url.pathname.replace(/^\/api\//, "").replace(/^\//, "");
      const text = await readBody(incoming);
      const args = incoming.method === "POST" && text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(url.searchParams);
      recorded.push({ method, authorization: incoming.headers.authorization, args, at: Date.now() });
      if (incoming.headers.authorization !== `Bearer ${options.token}`) return send(response, 200, { ok: false, error: "invalid_auth" });
      const fault = faults.get(method)?.shift();
      if (fault && "status" in fault) return send(response, fault.status, { ok: false, error: "service_unavailable" }, fault.headers);
      const answer =
        method === "chat.postMessage" ? postMessage(args) : method === "conversations.history" ? history(args) : { ok: false, error: "unknown_method" };
      setTimeout(() => send(response, 200, answer), fault?.delayMs ?? 0);
    })().catch((error: unknown) => send(response, 500, { ok: false, error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    token: options.token,
    channel: options.channel,
    requests: (method) => recorded.filter((request) => method === undefined || request.method === method),
    messages: () => [...messages],
    failNext(method, fault, times = 1) {
      faults.set(method, [...(faults.get(method) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

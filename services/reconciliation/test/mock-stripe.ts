// Stripe's Events API as a local HTTP server: the list endpoint with its real paging (newest first,
// `starting_after`, `has_more`), `created[gte]` and `types[n]` filters, 30 days of history, request
// ids, and 429s on demand. Every request is recorded, so tests assert exactly what was asked.
import { randomBytes } from "node:crypto";
import { recordRequest, startHttpMock, type RecordedRequest } from "./http-mock.ts";

export interface StripeEventObject {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  type: string;
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: Record<string, unknown> };
}

export interface MockStripe {
  /** For STRIPE_API_BASE. */
  url: string;
  requests: RecordedRequest[];
  /** Answers the next list request whose starting_after is `startingAfter` (undefined: the first page) with 429, `times` times. */
  rateLimit(startingAfter: string | undefined, times?: number): void;
  /** Answers every request with 429 from now on. */
  rateLimitForever(): void;
  /** Holds each answer this long, so two runs overlap. */
  delayMs: number;
  close(): Promise<void>;
}

const token = (): string => randomBytes(8).toString("hex");
const RETENTION_SECONDS = 30 * 86_400;

/** `count` events one every `spacingSeconds` up to `newestAt` (epoch s), newest first as Stripe lists them; `types` cycle. */
export function stripeEvents(count: number, options: { newestAt: number; spacingSeconds: number; types?: readonly string[] }): StripeEventObject[] {
  const types = options.types ?? ["charge.succeeded", "invoice.paid", "payment_intent.succeeded"];
  return Array.from({ length: count }, (_, index) => {
    const type = types[index % types.length] as string;
    const objectId = type.startsWith("invoice") ? `in_${token()}` : type.startsWith("charge") ? `ch_${token()}` : `pi_${token()}`;
    return {
      id: `evt_${token()}`,
      object: "event" as const,
      api_version: "2025-06-30.basil",
      created: options.newestAt - index * options.spacingSeconds,
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: `req_${token()}`, idempotency_key: null },
      data: { object: { id: objectId, object: type.split(".")[0] as string, amount: 1000 + index, currency: "eur", description: "Café crème ☕" } },
    };
  });
}

export async function startMockStripe(options: { apiKey: string; events: readonly StripeEventObject[] }): Promise<MockStripe> {
  const requests: RecordedRequest[] = [];
  const limited = new Map<string, number>();
  let always429 = false;
  const events = [...options.events].sort((a, b) => b.created - a.created);

  const server = await startHttpMock((request, response, url) => {
    const reply = (status: number, body: unknown): void => {
      requests.push(recordRequest(request, url, status));
      const send = (): void => {
        response.writeHead(status, { "content-type": "application/json", "request-id": `req_${token()}` }).end(JSON.stringify(body));
      };
      if (mock.delayMs > 0) setTimeout(send, mock.delayMs);
      else send();
    };
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      reply(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****" } });
      return;
    }
    if (request.method !== "GET" || url.pathname !== "/v1/events") {
      reply(404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${request.method}: ${url.pathname}).` } });
      return;
    }
    const startingAfter = url.searchParams.get("starting_after") ?? undefined;
    const limitKey = startingAfter ?? "(first page)";
    const remaining = limited.get(limitKey) ?? 0;
    if (always429 || remaining > 0) {
      limited.set(limitKey, remaining - 1);
      reply(429, {
        error: {
          type: "invalid_request_error",
          code: "rate_limit",
          message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        },
      });
      return;
    }
    const gte = Number(url.searchParams.get("created[gte]") ?? 0);
    const limit = Math.min(100, Number(url.searchParams.get("limit") ?? 10));
    const types = [...url.searchParams].filter(([name]) => /^types\[\d+\]$/.test(name)).map(([, value]) => value);
    const oldest = Math.floor(Date.now() / 1000) - RETENTION_SECONDS;
    const matching = events.filter((event) => event.created >= gte && event.created >= oldest && (types.length === 0 || types.includes(event.type)));
    const from = startingAfter === undefined ? 0 : matching.findIndex((event) => event.id === startingAfter) + 1;
    const data = matching.slice(from, from + limit);
    reply(200, { object: "list", data, has_more: from + limit < matching.length, url: "/v1/events" });
  });

  const mock: MockStripe = {
    url: server.url,
    requests,
    rateLimit(startingAfter, times = 1) {
      limited.set(startingAfter ?? "(first page)", times);
    },
    rateLimitForever() {
      always429 = true;
    },
    delayMs: 0,
    close: server.close,
  };
  return mock;
}

/** The JSON body Stripe would POST as the event's webhook. */
export const webhookBody = (event: StripeEventObject): string => JSON.stringify(event);

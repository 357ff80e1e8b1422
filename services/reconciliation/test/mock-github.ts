// GitHub's repository-webhook deliveries API as a local HTTP server: the list with cursor paging in
// the Link header (newest first), one delivery with its request, redelivery (202, and the new attempt
// listed as GitHub would after delivering it: failed again for a guid that always fails), request
// ids, and rate limits on demand.
import { randomBytes, randomUUID } from "node:crypto";
import { recordRequest, startHttpMock, type RecordedRequest } from "./http-mock.ts";

export interface DeliveryObject {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

export type RateLimitKind = "secondary" | "primary";

export interface MockGitHub {
  url: string;
  requests: RecordedRequest[];
  /** Newest first, per hook path `owner/repo/hookId`. */
  deliveries: Map<string, DeliveryObject[]>;
  /** The payload GitHub sent for each guid. */
  payloads: Map<string, Record<string, unknown>>;
  /** Whether a requested redelivery shows up in the list (as delivered successfully) at once. */
  listRedeliveries: boolean;
  /** Guids whose every redelivery fails (a payload over a limit, a 4xx at our end): each is listed as a new failed attempt. */
  alwaysFailing: Set<string>;
  /** Answers the request numbered `index` (0-based, counted from now) with a rate limit of `kind`. */
  rateLimitAt(index: number, kind: RateLimitKind): void;
  close(): Promise<void>;
}

let nextId = 80_000_000_000;

export function delivery(options: {
  guid?: string;
  at: number;
  statusCode: number;
  redelivery?: boolean;
  event?: string;
  action?: string | null;
}): DeliveryObject {
  nextId += 1 + Math.floor(Math.random() * 5);
  const ok = options.statusCode >= 200 && options.statusCode < 300;
  return {
    id: nextId,
    guid: options.guid ?? randomUUID(),
    delivered_at: new Date(options.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    redelivery: options.redelivery ?? false,
    duration: 0.21,
    status: ok ? "OK" : options.statusCode === 0 ? "failed to connect" : `Invalid HTTP Response: ${options.statusCode}`,
    status_code: options.statusCode,
    event: options.event ?? "pull_request",
    action: options.action === undefined ? "opened" : options.action,
    installation_id: null,
    repository_id: 1296269,
    throttled_at: null,
  };
}

export async function startMockGitHub(options: { token: string }): Promise<MockGitHub> {
  const requests: RecordedRequest[] = [];
  const limits = new Map<number, RateLimitKind>();
  let counted = 0;

  const server = await startHttpMock((request, response, url) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      requests.push(recordRequest(request, url, status));
      response
        .writeHead(status, {
          "content-type": "application/json; charset=utf-8",
          "x-github-request-id": `CAFE:${randomBytes(4).toString("hex").toUpperCase()}`,
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "4321",
          ...headers,
        })
        .end(body === undefined ? "" : JSON.stringify(body));
    };
    const limit = limits.get(counted);
    counted += 1;
    if (limit === "secondary") {
      reply(
        403,
        {
          message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        { "retry-after": "1" },
      );
      return;
    }
    if (limit === "primary") {
      reply(
        429,
        { message: "API rate limit exceeded for user ID 1.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1) },
      );
      return;
    }
    if (request.headers.authorization !== `token ${options.token}`) {
      reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
      return;
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)\/hooks\/(\d+)\/deliveries(?:\/(\d+))?(\/attempts)?$/.exec(url.pathname);
    const hookKey = match ? `${match[1]}/${match[2]}/${match[3]}` : "";
    const list = mock.deliveries.get(hookKey);
    if (!match || !list) {
      reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/repos/webhooks" });
      return;
    }
    const deliveryId = match[4] === undefined ? undefined : Number(match[4]);
    if (request.method === "GET" && deliveryId === undefined) {
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30));
      const cursor = url.searchParams.get("cursor");
      const from = cursor ? list.findIndex((each) => `v1_${each.id}` === cursor) + 1 : 0;
      const page = list.slice(from, from + perPage);
      const last = page.at(-1);
      const more = from + perPage < list.length && last !== undefined;
      const next = `${mock.url}/repos/${match[1]}/${match[2]}/hooks/${match[3]}/deliveries?per_page=${perPage}&cursor=v1_${last?.id}`;
      reply(200, page, more ? { link: `<${next}>; rel="next"` } : {});
      return;
    }
    const found = list.find((each) => each.id === deliveryId);
    if (!found) {
      reply(404, { message: "Not Found" });
      return;
    }
    if (request.method === "POST" && match[5]) {
      if (mock.listRedeliveries)
        list.unshift(
          delivery({
            guid: found.guid,
            at: Date.now(),
            statusCode: mock.alwaysFailing.has(found.guid) ? 413 : 202,
            redelivery: true,
            event: found.event,
            action: found.action,
          }),
        );
      reply(202, {});
      return;
    }
    if (request.method === "GET") {
      const headers = {
        Accept: "*/*",
        "User-Agent": "GitHub-Hookshot/5f3c2b1",
        "X-GitHub-Delivery": found.guid,
        "X-GitHub-Event": found.event,
        "X-GitHub-Hook-ID": match[3] ?? "",
        "X-Hub-Signature-256": "sha256=d57c68ca6f92289e6987922ff26938930f6e66a2d161ef06abdf1859230aa23c",
        "content-type": "application/json",
      };
      reply(200, {
        ...found,
        url: `https://hooks.example.test/webhooks/${match[2]}`,
        request: { headers, payload: mock.payloads.get(found.guid) ?? null },
        response: { headers: {}, payload: null },
      });
      return;
    }
    reply(404, { message: "Not Found" });
  });

  const mock: MockGitHub = {
    url: server.url,
    requests,
    deliveries: new Map(),
    payloads: new Map(),
    listRedeliveries: true,
    alwaysFailing: new Set(),
    rateLimitAt(index, kind) {
      limits.set(counted + index, kind);
    },
    close: server.close,
  };
  return mock;
}

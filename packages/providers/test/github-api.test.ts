// GitHubApi through Octokit's retry and throttling plugins, against a local server that answers as
// GitHub does and records every request: pages followed, rate limits waited out or not, bounds kept.
import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLogger } from "@hooklog/logging";
import { ProviderApiError, type RetryListener, type RetryPolicy } from "../src/api/retry.ts";
import { GitHubApi, createOctokit } from "../src/github/api-client.ts";

const TOKEN = "ghp_providersApiTest0123456789abcdef";
const HOOK = { owner: "octo-org", repo: "shop", hookId: 101 };
const DELIVERIES = `/repos/${HOOK.owner}/${HOOK.repo}/hooks/${HOOK.hookId}/deliveries`;

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Asked {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

const secondaryLimit = (retryAfter: string): Answer => ({
  status: 403,
  body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
  headers: { "retry-after": retryAfter },
});
const deliveryItem = (id: number, at: number) => ({
  id,
  guid: `guid-${id}`,
  delivered_at: new Date(at).toISOString(),
  redelivery: false,
  duration: 0.2,
  status: "OK",
  status_code: 200,
  event: "push",
  action: null,
});

describe("GitHub API calls through Octokit's plugins", () => {
  let url: string;
  let server: ReturnType<typeof createServer>;
  let answer: (asked: Asked, url: URL) => Answer;
  let asked: Asked[];
  let retries: Parameters<RetryListener>[0][];
  let requestIds = 0;

  const api = (overrides: Partial<RetryPolicy> = {}): GitHubApi => {
    const retry: RetryPolicy = {
      maxAttempts: 3,
      baseDelayMs: 10,
      maxWaitMs: 10_000,
      sleep: () => Promise.reject(new Error("the plugins keep time")),
      random: Math.random,
      ...overrides,
    };
    return new GitHubApi(
      createOctokit({
        token: TOKEN,
        baseUrl: url,
        logger: createLogger({ service: "providers-test", level: "silent" }),
        retry,
        onRetry: (each) => retries.push(each),
      }),
    );
  };

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      const target = new URL(request.url ?? "/", url);
      const each = { method: request.method ?? "", path: target.pathname, query: target.searchParams, authorization: request.headers.authorization };
      asked.push(each);
      const { status, body, headers } = answer(each, target);
      requestIds += 1;
      response
        .writeHead(status, { "content-type": "application/json; charset=utf-8", "x-github-request-id": `BEEF:${requestIds}`, ...headers })
        .end(body === undefined ? "" : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const arrange = (respond: (asked: Asked, url: URL) => Answer): void => {
    answer = respond;
    requestIds = 0;
    asked = [];
    retries = [];
  };

  it("follows the Link header page by page and stops at the first page that reaches past `since`", async () => {
    const now = Date.now();
    const all = Array.from({ length: 250 }, (_, index) => deliveryItem(1000 - index, now - index * 60_000));
    arrange((_, target) => {
      const from = Number(target.searchParams.get("cursor") ?? 0);
      const next = from + 100 < all.length ? { link: `<${url}${DELIVERIES}?per_page=100&cursor=${from + 100}>; rel="next"` } : undefined;
      return { status: 200, body: all.slice(from, from + 100), headers: next };
    });

    const deliveries = await api().deliveriesSince(HOOK, now - 150 * 60_000);

    assert.equal(deliveries.length, 151);
    assert.deepEqual(
      asked.map((each) => [each.path, each.query.get("per_page"), each.query.get("cursor")]),
      [
        [DELIVERIES, "100", null],
        [DELIVERIES, "100", "100"],
      ],
    );
    for (const each of asked) assert.equal(each.authorization, `token ${TOKEN}`);
  });

  it("waits out a secondary rate limit's Retry-After, and tells the listener with the status and request id", async () => {
    arrange(() => (asked.length === 1 ? secondaryLimit("1") : { status: 202, body: {} }));

    await api().redeliver(HOOK, 42);

    assert.deepEqual(
      asked.map((each) => `${each.method} ${each.path}`),
      [`POST ${DELIVERIES}/42/attempts`, `POST ${DELIVERIES}/42/attempts`],
    );
    assert.equal(retries.length, 1);
    const [retry] = retries;
    assert.deepEqual([retry?.failure.status, retry?.failure.reason, retry?.failure.requestId, retry?.attempt], [403, "rate_limited", "BEEF:1", 1]);
    assert.ok((retry?.delayMs ?? 0) >= 950, `waited ${retry?.delayMs} ms`);
  });

  it("a rate limit that does not end fails after maxAttempts requests, naming the request id, never the token", async () => {
    arrange(() => secondaryLimit("1"));

    await assert.rejects(api({ maxAttempts: 3 }).deliveryRequest(HOOK, 7), (error: unknown) => {
      assert.ok(error instanceof ProviderApiError);
      assert.deepEqual([error.code, error.retryable, error.status, error.requestId], ["github_rate_limited", true, 403, "BEEF:3"]);
      assert.match(error.message, /^GET delivery 7 of octo-org\/shop hook 101: HTTP 403, request id BEEF:3 after 3 attempt\(s\)/);
      assert.ok(!error.message.includes(TOKEN));
      return true;
    });
    assert.equal(asked.length, 3);
    assert.equal(retries.length, 2);
  });

  it("does not wait out a primary limit that resets later than maxWaitMs: one request, and the next run resumes", async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 3600);
    arrange(() => ({
      status: 429,
      body: { message: "API rate limit exceeded for user ID 1." },
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
    }));

    await assert.rejects(
      api({ maxWaitMs: 10_000 }).deliveriesSince(HOOK, 0),
      /HTTP 429, request id BEEF:\d+ after 1 attempt\(s\).*GitHub asks to wait 36\d\d s, longer than RECONCILIATION_MAX_WAIT_SECONDS/,
    );
    assert.equal(asked.length, 1);
    assert.deepEqual(retries, []);
  });

  it("retries a server error up to maxAttempts, then fails as retryable", async () => {
    arrange(() => ({ status: 502, body: { message: "Server Error" } }));

    await assert.rejects(api({ maxAttempts: 4 }).deliveriesSince(HOOK, 0), (error: unknown) => {
      assert.ok(error instanceof ProviderApiError);
      assert.deepEqual([error.code, error.retryable], ["github_server_error", true]);
      assert.match(error.message, /after 4 attempt\(s\)/);
      return true;
    });
    assert.equal(asked.length, 4);
    assert.deepEqual(
      retries.map((each) => [each.attempt, each.failure.status]),
      [
        [1, 502],
        [2, 502],
        [3, 502],
      ],
    );
  });

  it("does not retry a 404, and says which permission the token needs", async () => {
    arrange(() => ({ status: 404, body: { message: "Not Found" } }));

    await assert.rejects(api().redeliver(HOOK, 9), (error: unknown) => {
      assert.ok(error instanceof ProviderApiError);
      assert.deepEqual([error.code, error.retryable], ["github_client_error", false]);
      assert.match(error.message, /after 1 attempt\(s\): Not Found.*admin:repo_hook/);
      return true;
    });
    assert.equal(asked.length, 1);
  });
});

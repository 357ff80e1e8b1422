import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ProviderApiError, RetryBudget, backoffMs, type RetryPolicy } from "../src/api/retry.ts";
import { describeGitHubError } from "../src/github/api-errors.ts";
import { describeStripeError } from "../src/stripe/api-errors.ts";

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy & { waits: number[] } => {
  const waits: number[] = [];
  return { maxAttempts: 5, baseDelayMs: 100, maxWaitMs: 60_000, random: () => 0.5, sleep: async (ms) => void waits.push(ms), waits, ...overrides };
};
const githubError = (status: number, headers: Record<string, string>) =>
  Object.assign(new Error("limited"), { status, response: { headers: { "x-github-request-id": "AB12:34", ...headers } } });
const stripe429 = { type: "StripeRateLimitError", statusCode: 429, requestId: "req_1", message: "slow down" };

describe("provider rate limits", () => {
  it("Stripe 429s back off exponentially with jitter, within bounds", () => {
    const delays = [1, 2, 3, 4].map((attempt) => backoffMs({ baseDelayMs: 100, maxWaitMs: 60_000, random: () => 1 }, attempt));
    assert.deepEqual(delays, [100, 200, 400, 800]);
    assert.deepEqual(
      [1, 2, 3].map((attempt) => backoffMs({ baseDelayMs: 100, maxWaitMs: 60_000, random: () => 0 }, attempt)),
      [50, 100, 200],
    );
    assert.equal(backoffMs({ baseDelayMs: 100, maxWaitMs: 300, random: () => 1 }, 10), 300);
  });

  it("a Stripe 429 may be retried; a 401 may not, and says which setting to check", () => {
    assert.equal(describeStripeError(stripe429).reason, "rate_limited");
    const unauthorized = describeStripeError({
      type: "StripeAuthenticationError",
      statusCode: 401,
      requestId: "req_2",
      message: "Invalid API Key provided: sk_test_****",
    });
    assert.equal(unauthorized.reason, "client_error");
    assert.match(unauthorized.message, /check STRIPE_API_KEY/);
  });

  it("a GitHub 403 is a rate limit only with Retry-After or no requests remaining; otherwise a permission error", () => {
    assert.equal(describeGitHubError(githubError(403, { "retry-after": "30" })).reason, "rate_limited");
    assert.equal(describeGitHubError(githubError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000005" })).reason, "rate_limited");
    assert.equal(describeGitHubError(githubError(429, {})).reason, "rate_limited");
    const forbidden = describeGitHubError(githubError(403, {}));
    assert.deepEqual([forbidden.reason, forbidden.requestId], ["client_error", "AB12:34"]);
    assert.match(forbidden.message, /GITHUB_TOKEN needs admin:repo_hook/);
  });

  it("a GitHub request that got no answer (Octokit's 500 without a response) is a network failure", () => {
    const refused = describeGitHubError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { status: 500 }));

    assert.deepEqual([refused.reason, refused.status, refused.requestId], ["network", undefined, undefined]);
  });
});

describe("RetryBudget", () => {
  it("waits with backoff up to maxAttempts, then fails with a typed error naming the call and the request id", async () => {
    const retry = policy({ maxAttempts: 3 });
    const heard: number[] = [];
    const budget = new RetryBudget(describeStripeError, retry, ({ attempt }) => heard.push(attempt));

    await budget.failed("GET /v1/events", stripe429);
    await budget.failed("GET /v1/events", stripe429);
    await assert.rejects(budget.failed("GET /v1/events", stripe429), (error: unknown) => {
      assert.ok(error instanceof ProviderApiError);
      assert.deepEqual([error.code, error.retryable, error.requestId], ["stripe_rate_limited", true, "req_1"]);
      assert.match(error.message, /^GET \/v1\/events: HTTP 429, request id req_1 after 3 attempt\(s\): slow down \(retries exhausted/);
      return true;
    });
    assert.deepEqual(retry.waits, [75, 150]);
    assert.deepEqual(heard, [1, 2]);
  });

  it("starts a fresh count after a success, so each page has maxAttempts of its own", async () => {
    const retry = policy({ maxAttempts: 2 });
    const budget = new RetryBudget(describeStripeError, retry, () => {});

    await budget.failed("page 1", stripe429);
    budget.succeeded();
    await budget.failed("page 2", stripe429);

    assert.deepEqual(retry.waits, [75, 75]);
  });

  it("does not retry a client error", async () => {
    const retry = policy();
    const budget = new RetryBudget(describeStripeError, retry, () => {});

    await assert.rejects(
      budget.failed("GET /v1/events", { statusCode: 401, requestId: "req_3", message: "Invalid API Key provided" }),
      /after 1 attempt\(s\): Invalid API Key provided \(check STRIPE_API_KEY\)$/,
    );
    assert.deepEqual(retry.waits, []);
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ProviderApiError, backoffMs, callWithRetries, type RetryPolicy } from "../src/api/retry.ts";
import { describeGitHubError } from "../src/github/api-errors.ts";
import { describeStripeError } from "../src/stripe/api-errors.ts";

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy & { waits: number[] } => {
  const waits: number[] = [];
  return { maxAttempts: 5, baseDelayMs: 100, maxWaitMs: 60_000, random: () => 0.5, sleep: async (ms) => void waits.push(ms), waits, ...overrides };
};
const githubError = (status: number, headers: Record<string, string>) => Object.assign(new Error("limited"), { status, response: { headers: { "x-github-request-id": "AB12:34", ...headers } } });

describe("provider rate limits", () => {
  it("Stripe 429s back off exponentially with jitter, within bounds", () => {
    const delays = [1, 2, 3, 4].map((attempt) => backoffMs({ baseDelayMs: 100, maxWaitMs: 60_000, random: () => 1 }, attempt));
    assert.deepEqual(delays, [100, 200, 400, 800]);
    assert.deepEqual([1, 2, 3].map((attempt) => backoffMs({ baseDelayMs: 100, maxWaitMs: 60_000, random: () => 0 }, attempt)), [50, 100, 200]);
    assert.equal(backoffMs({ baseDelayMs: 100, maxWaitMs: 300, random: () => 1 }, 10), 300);
  });

  it("a Stripe 429 is retried; a 401 is not, and says which setting to check", () => {
    assert.deepEqual(describeStripeError({ type: "StripeRateLimitError", statusCode: 429, requestId: "req_1", message: "slow down" }).retry, { kind: "backoff" });
    const unauthorized = describeStripeError({ type: "StripeAuthenticationError", statusCode: 401, requestId: "req_2", message: "Invalid API Key provided: sk_test_****" });
    assert.deepEqual(unauthorized.retry, { kind: "no" });
    assert.match(unauthorized.message, /check STRIPE_API_KEY/);
  });

  it("GitHub's Retry-After, x-ratelimit-reset and secondary limits set the wait; a 403 without them is a permission error", () => {
    const now = 1_700_000_000_000;
    assert.deepEqual(describeGitHubError(githubError(403, { "retry-after": "30" }), now).retry, { kind: "wait", ms: 30_000 });
    assert.deepEqual(describeGitHubError(githubError(429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 42) }), now).retry, { kind: "wait", ms: 42_000 });
    assert.deepEqual(describeGitHubError(githubError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 5) }), now).retry, { kind: "wait", ms: 5000 });
    const forbidden = describeGitHubError(githubError(403, {}), now);
    assert.deepEqual([forbidden.retry, forbidden.reason, forbidden.requestId], [{ kind: "no" }, "client_error", "AB12:34"]);
  });

  it("retries up to maxAttempts, then fails with a typed error naming the call and the request id", async () => {
    const retry = policy({ maxAttempts: 3 });
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(githubError(403, { "retry-after": "2" }));
    };

    await assert.rejects(callWithRetries("GET deliveries", failing, (error) => describeGitHubError(error), retry, () => {}), (error: unknown) => {
      assert.ok(error instanceof ProviderApiError);
      assert.deepEqual([error.code, error.retryable, error.requestId], ["github_rate_limited", true, "AB12:34"]);
      assert.match(error.message, /^GET deliveries: HTTP 403, request id AB12:34 after 3 attempt\(s\)/);
      return true;
    });
    assert.equal(calls, 3);
    assert.deepEqual(retry.waits, [2000, 2000]);
  });

  it("does not wait out a limit that resets later than RECONCILIATION_MAX_WAIT_SECONDS: the next run resumes", async () => {
    const retry = policy({ maxWaitMs: 10_000 });

    await assert.rejects(
      callWithRetries("GET deliveries", () => Promise.reject(githubError(429, { "retry-after": "3600" })), (error) => describeGitHubError(error), retry, () => {}),
      /asks to wait 3600 s, longer than RECONCILIATION_MAX_WAIT_SECONDS/,
    );
    assert.deepEqual(retry.waits, []);
  });
});

// Retrying provider API calls: Stripe's 429s with exponential backoff and jitter, GitHub's
// Retry-After, x-ratelimit-reset and secondary limits. The SDKs' own retries are off, so every
// 429 passes through here: visible in logs and metrics, and testable.

export type Provider = "stripe" | "github";

/** How a failed call may be retried: not at all, after our own backoff, or after the provider's stated wait. */
export type RetryAdvice = { kind: "no" } | { kind: "backoff" } | { kind: "wait"; ms: number };

export interface ApiFailure {
  provider: Provider;
  status: number | undefined;
  requestId: string | undefined;
  /** The provider's message; neither SDK puts the key or token in it. */
  message: string;
  reason: "rate_limited" | "server_error" | "network" | "client_error";
  retry: RetryAdvice;
}

/** A provider API call that failed for good; the message names the call, status and request id, never a credential. */
export class ProviderApiError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly provider: Provider;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(operation: string, failure: ApiFailure, attempts: number, hint?: string) {
    const status = failure.status === undefined ? "no response" : `HTTP ${failure.status}`;
    const request = failure.requestId ? `, request id ${failure.requestId}` : "";
    const tried = attempts === 0 ? "not sent" : `after ${attempts} attempt(s)`;
    super(`${operation}: ${status}${request} ${tried}: ${failure.message}${hint ? ` (${hint})` : ""}`);
    this.name = "ProviderApiError";
    this.code = `${failure.provider}_${failure.reason}`;
    this.retryable = failure.reason !== "client_error";
    this.provider = failure.provider;
    this.status = failure.status;
    this.requestId = failure.requestId;
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  /** A longer wait than this is not waited out: the run fails and the next one resumes. */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** Hears of every retry, to log it with the provider's request id and count it. */
export type RetryListener = (retry: { operation: string; failure: ApiFailure; delayMs: number; attempt: number }) => void;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with equal jitter: half the doubled delay, plus up to as much again at random. */
export function backoffMs(policy: Pick<RetryPolicy, "baseDelayMs" | "maxWaitMs" | "random">, attempt: number): number {
  const ceiling = Math.min(policy.maxWaitMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (policy.random() * ceiling) / 2);
}

/**
 * Calls `call` until it succeeds, the failure is not retryable, or `maxAttempts` are spent.
 */
export async function callWithRetries<T>(
  operation: string,
  call: () => Promise<T>,
  describe: (error: unknown) => ApiFailure,
  policy: RetryPolicy,
  onRetry: RetryListener,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const failure = describe(error);
      if (failure.retry.kind === "no") throw new ProviderApiError(operation, failure, attempt);
      if (attempt >= policy.maxAttempts) throw new ProviderApiError(operation, failure, attempt, "retries exhausted; the next run resumes from the checkpoint");
      const delayMs = failure.retry.kind === "wait" ? failure.retry.ms : backoffMs(policy, attempt);
      if (delayMs > policy.maxWaitMs) {
        throw new ProviderApiError(operation, failure, attempt, `the provider asks to wait ${Math.ceil(delayMs / 1000)} s, longer than RECONCILIATION_MAX_WAIT_SECONDS; the next run resumes`);
      }
      onRetry({ operation, failure, delayMs, attempt });
      await policy.sleep(delayMs);
    }
  }
}

interface StripeErrorShape {
  type?: string;
  statusCode?: number;
  requestId?: string;
  headers?: Record<string, string | undefined>;
  message?: string;
}

/** Stripe: 429 (and a 400 coded rate_limit), 5xx and lost connections are retried with our backoff. https://docs.stripe.com/rate-limits */
export function describeStripeError(error: unknown): ApiFailure {
  const shape = (typeof error === "object" && error !== null ? error : {}) as StripeErrorShape;
  const status = shape.statusCode;
  const requestId = shape.requestId ?? shape.headers?.["request-id"];
  const base = { provider: "stripe" as const, status, requestId, message: shape.message ?? String(error) };
  if (shape.type === "StripeRateLimitError" || status === 429) return { ...base, reason: "rate_limited", retry: { kind: "backoff" } };
  if (shape.type === "StripeConnectionError" || status === undefined) return { ...base, reason: "network", retry: { kind: "backoff" } };
  if (status >= 500) return { ...base, reason: "server_error", retry: { kind: "backoff" } };
  const hint = status === 401 ? " (check STRIPE_API_KEY)" : status === 403 ? " (STRIPE_API_KEY lacks read access to Events)" : "";
  return { ...base, message: `${base.message}${hint}`, reason: "client_error", retry: { kind: "no" } };
}

interface GitHubErrorShape {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

type Headers = Record<string, string | number | undefined>;

const header = (headers: Headers | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value);
};

/**
 * How long GitHub asks us to wait, from any response's headers: Retry-After (secondary limits), or
 * the reset time when no requests remain (primary limit). https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */
export function githubWaitMs(headers: Headers | undefined, now: number): number | undefined {
  const retryAfter = header(headers, "retry-after");
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) return Math.max(0, Number(retryAfter) * 1000);
  if (header(headers, "x-ratelimit-remaining") === "0") {
    const reset = Number(header(headers, "x-ratelimit-reset"));
    if (Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
    return 60_000;
  }
  return undefined;
}

export function describeGitHubError(error: unknown, now: number = Date.now()): ApiFailure {
  const shape = (typeof error === "object" && error !== null ? error : {}) as GitHubErrorShape;
  const status = shape.status;
  const headers = shape.response?.headers;
  const base = { provider: "github" as const, status, requestId: header(headers, "x-github-request-id"), message: shape.message ?? String(error) };
  if (status === undefined) return { ...base, reason: "network", retry: { kind: "backoff" } };
  const wait = githubWaitMs(headers, now);
  // A 403 is a rate limit only when GitHub says so in its headers; otherwise the token lacks a permission.
  if ((status === 403 || status === 429) && wait !== undefined) return { ...base, reason: "rate_limited", retry: { kind: "wait", ms: wait } };
  if (status === 429) return { ...base, reason: "rate_limited", retry: { kind: "backoff" } };
  if (status >= 500) return { ...base, reason: "server_error", retry: { kind: "backoff" } };
  const hint = status === 401 ? " (check GITHUB_TOKEN)" : status === 403 || status === 404 ? " (GITHUB_TOKEN needs admin:repo_hook / webhooks read-write on the repository, and the hook must exist)" : "";
  return { ...base, message: `${base.message}${hint}`, reason: "client_error", retry: { kind: "no" } };
}

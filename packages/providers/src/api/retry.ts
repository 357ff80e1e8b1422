// Retrying provider API calls, for every provider's reconciler: each says how its failures may be
// retried (its api-errors.ts), this loop does the waiting. The SDKs' own retries are off, so every
// 429 passes through here: visible in logs and metrics, and testable.

/** How a failed call may be retried: not at all, after our own backoff, or after the provider's stated wait. */
export type RetryAdvice = { kind: "no" } | { kind: "backoff" } | { kind: "wait"; ms: number };

export interface ApiFailure {
  /** The provider module's name. */
  provider: string;
  status: number | undefined;
  requestId: string | undefined;
  /** The provider's message; the SDKs put no key or token in it. */
  message: string;
  reason: "rate_limited" | "server_error" | "network" | "client_error";
  retry: RetryAdvice;
}

/** A provider API call that failed for good; the message names the call, status and request id, never a credential. */
export class ProviderApiError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly provider: string;
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

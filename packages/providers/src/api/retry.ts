// Retrying provider API calls where the provider's SDK leaves it to us. GitHub's calls are retried
// by the Octokit plugins (github/api-client.ts), bounded by the same RetryPolicy; Stripe's SDK does
// not retry a 429, so its listing retries through RetryBudget here, visible in logs and metrics.
import { HooklogError } from "@hooklog/core";

export interface ApiFailure {
  /** The provider module's name. */
  provider: string;
  status: number | undefined;
  requestId: string | undefined;
  /** The provider's message; the SDKs put no key or token in it. */
  message: string;
  /** Every reason but client_error may be retried. */
  reason: "rate_limited" | "server_error" | "network" | "client_error";
}

/** A provider API call that failed for good; the message names the call, status and request id, never a credential. */
export class ProviderApiError extends HooklogError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(operation: string, failure: ApiFailure, attempts: number, hint?: string) {
    const status = failure.status === undefined ? "no response" : `HTTP ${failure.status}`;
    const request = failure.requestId ? `, request id ${failure.requestId}` : "";
    const tried = attempts === 0 ? "not sent" : `after ${attempts} attempt(s)`;
    super(`${failure.provider}_${failure.reason}`, `${operation}: ${status}${request} ${tried}: ${failure.message}${hint ? ` (${hint})` : ""}`, {
      retryable: failure.reason !== "client_error",
    });
    this.provider = failure.provider;
    this.status = failure.status;
    this.requestId = failure.requestId;
  }
}

/** Bounds every provider's retries; sleep and random serve RetryBudget (the Octokit plugins keep time themselves). */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
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

/** One request's failures in a row: waits before each retry, and ends the request once it cannot be retried. */
export class RetryBudget {
  readonly #describe: (error: unknown) => ApiFailure;
  readonly #policy: RetryPolicy;
  readonly #onRetry: RetryListener;
  #failures = 0;

  constructor(describe: (error: unknown) => ApiFailure, policy: RetryPolicy, onRetry: RetryListener) {
    this.#describe = describe;
    this.#policy = policy;
    this.#onRetry = onRetry;
  }

  /** A success: the next failure (of the next page, say) starts a count of its own. */
  succeeded(): void {
    this.#failures = 0;
  }

  /** Waits before the next attempt, or throws the ProviderApiError that ends the request. */
  async failed(operation: string, error: unknown): Promise<void> {
    const failure = this.#describe(error);
    this.#failures += 1;
    const attempt = this.#failures;
    if (failure.reason === "client_error") throw new ProviderApiError(operation, failure, attempt);
    if (attempt >= this.#policy.maxAttempts)
      throw new ProviderApiError(operation, failure, attempt, "retries exhausted; the next run resumes from the checkpoint");
    const delayMs = backoffMs(this.#policy, attempt);
    this.#onRetry({ operation, failure, delayMs, attempt });
    await this.#policy.sleep(delayMs);
  }
}

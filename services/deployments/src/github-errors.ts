import { HooklogError, retryAfterMs } from "@hooklog/core";
import { RetryLaterError } from "@hooklog/consumer-kit";

/** A GitHub call that failed for a reason other than a rate limit or a Retry-After; the kit retries it with backoff. */
export class GithubApiError extends HooklogError<"GITHUB_API_FAILED"> {
  /** 0 when no answer came (timeout, connection refused). */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    // Server errors and missing answers may pass; a 4xx will not fix itself (token, permissions, unknown repository).
    super("GITHUB_API_FAILED", message, { retryable: status === 0 || status === 408 || status >= 500, ...options });
    this.status = status;
  }
}

/** The part of Octokit's RequestError this module reads; checked structurally to keep @octokit/request-error out of our dependencies. */
interface HttpFailure {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined> };
}

function isHttpFailure(error: unknown): error is HttpFailure {
  return error instanceof Error && typeof (error as { status?: unknown }).status === "number";
}

const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;
const MINIMUM_WAIT_MS = 1000;

/**
 * How long GitHub asks us to wait, if it does: Retry-After (seconds or an HTTP date), else the
 * primary limit's reset time when none remain, else a minute for a secondary limit that named no
 * time. https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately
 */
export function githubWaitMs(
  status: number,
  headers: Record<string, string | number | undefined>,
  message: string,
  now: number = Date.now(),
): number | undefined {
  if (status !== 403 && status !== 429 && status !== 503) return undefined;
  const asked = retryAfterMs(headers["retry-after"], now);
  if (asked !== undefined) return Math.max(MINIMUM_WAIT_MS, asked);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (String(headers["x-ratelimit-remaining"]) === "0" && Number.isFinite(reset)) return Math.max(MINIMUM_WAIT_MS, reset * 1000 - now);
  if (status !== 503 && /secondary rate limit/i.test(message)) return SECONDARY_RATE_LIMIT_WAIT_MS;
  return undefined;
}

/** Turns what Octokit threw into the error the kit acts on: RetryLaterError when GitHub said when, else GithubApiError. */
export function translateGithubError(error: unknown, call: string): Error {
  if (!isHttpFailure(error)) return new GithubApiError(`${call}: ${error instanceof Error ? error.message : String(error)}`, 0, { cause: error });
  const waitMs = githubWaitMs(error.status, error.response?.headers ?? {}, error.message);
  if (waitMs !== undefined) return new RetryLaterError(`${call}: GitHub answered ${error.status}; retry in ${waitMs} ms`, waitMs, { cause: error });
  // Octokit reports a request that got no answer (timeout, refused) as status 500 without a response.
  const status = error.response ? error.status : 0;
  return new GithubApiError(`${call}: ${status === 0 ? "no answer from GitHub" : `GitHub answered ${status}`}: ${error.message}`, status, { cause: error });
}

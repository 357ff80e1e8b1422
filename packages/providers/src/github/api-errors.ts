import type { ApiFailure } from "../api/retry.ts";

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

import { isObject, retryAfterMs } from "@hooklog/core";
import type { ApiFailure } from "../api/retry.ts";

interface GitHubErrorShape {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * How Octokit's RequestError reads. A 403 is a rate limit only when GitHub says so in its headers
 * (Retry-After, or no requests remaining); otherwise the token lacks a permission.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */
export function describeGitHubError(error: unknown): ApiFailure {
  const shape = (isObject(error) ? error : {}) as GitHubErrorShape;
  const { status, response } = shape;
  const headers = response?.headers;
  const requestId = headers?.["x-github-request-id"];
  const base = {
    provider: "github" as const,
    status,
    requestId: requestId === undefined ? undefined : String(requestId),
    message: shape.message ?? String(error),
  };
  // Octokit reports a request that got no answer (a refused connection, say) as a 500 without a response.
  if (status === undefined || response === undefined) return { ...base, status: undefined, reason: "network" };
  const limited = retryAfterMs(headers?.["retry-after"]) !== undefined || String(headers?.["x-ratelimit-remaining"]) === "0";
  if (status === 429 || (status === 403 && limited)) return { ...base, reason: "rate_limited" };
  if (status >= 500) return { ...base, reason: "server_error" };
  const hint =
    status === 401
      ? " (check GITHUB_TOKEN)"
      : status === 403 || status === 404
        ? " (GITHUB_TOKEN needs admin:repo_hook / webhooks read-write on the repository, and the hook must exist)"
        : "";
  return { ...base, message: `${base.message}${hint}`, reason: "client_error" };
}

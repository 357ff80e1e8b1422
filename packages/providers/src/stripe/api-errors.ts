import type { ApiFailure } from "../api/retry.ts";

interface StripeErrorShape {
  type?: string;
  statusCode?: number;
  requestId?: string;
  headers?: Record<string, string | undefined>;
  message?: string;
}

/** Stripe: 429 (and a 400 coded rate_limit), 5xx and lost connections may be retried. https://docs.stripe.com/rate-limits */
export function describeStripeError(error: unknown): ApiFailure {
  const shape = (typeof error === "object" && error !== null ? error : {}) as StripeErrorShape;
  const status = shape.statusCode;
  const requestId = shape.requestId ?? shape.headers?.["request-id"];
  const base = { provider: "stripe" as const, status, requestId, message: shape.message ?? String(error) };
  if (shape.type === "StripeRateLimitError" || status === 429) return { ...base, reason: "rate_limited" };
  if (shape.type === "StripeConnectionError" || status === undefined) return { ...base, reason: "network" };
  if (status >= 500) return { ...base, reason: "server_error" };
  const hint = status === 401 ? " (check STRIPE_API_KEY)" : status === 403 ? " (STRIPE_API_KEY lacks read access to Events)" : "";
  return { ...base, message: `${base.message}${hint}`, reason: "client_error" };
}

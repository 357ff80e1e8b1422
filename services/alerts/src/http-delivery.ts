// POSTs JSON to a third-party API and turns its answer into the kit's retry semantics.
import { HooklogError, retryAfterMs } from "@hooklog/core";
import { RetryLaterError } from "@hooklog/consumer-kit";

/** A call that did not succeed. Messages name the target, never its URL: a Slack webhook URL is a secret. */
export class DeliveryError extends HooklogError {
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, { retryable, ...options });
  }
}

// A Retry-After far in the future would hold up the whole retry partition behind this event.
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

export interface Delivered {
  status: number;
  body: string;
}

export interface JsonRequest {
  method: "GET" | "POST";
  /** Sent as JSON with a POST. */
  body?: unknown;
  /** Secrets go here (Authorization): they are never part of a message. */
  headers?: Record<string, string>;
}

/**
 * 2xx resolves. 429 or 503 with Retry-After throws RetryLaterError (the kit waits at least that long);
 * anything else throws DeliveryError, which the kit retries with backoff and then dead-letters.
 */
export async function requestJson(target: string, url: string, request: JsonRequest, timeoutMs: number): Promise<Delivered> {
  let status: number;
  let body: string;
  let retryAfter: string | null;
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: { ...(request.method === "POST" ? { "content-type": "application/json" } : {}), ...request.headers },
      ...(request.method === "POST" ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    retryAfter = response.headers.get("retry-after");
    body = await response.text();
  } catch (error) {
    throw new DeliveryError("UNREACHABLE", `${target} could not be reached (timeout ${timeoutMs} ms): ${(error as Error).message}`, true, { cause: error });
  }
  if (status >= 200 && status < 300) return { status, body };
  const asked = status === 429 || status === 503 ? retryAfterMs(retryAfter) : undefined;
  const waitMs = asked === undefined ? undefined : Math.min(asked, MAX_RETRY_AFTER_MS);
  if (waitMs !== undefined) throw new RetryLaterError(`${target} answered ${status}; retrying after ${waitMs} ms`, waitMs);
  throw new DeliveryError(`HTTP_${status}`, `${target} answered ${status}: ${body.slice(0, 200)}`, status === 429 || status >= 500);
}

export function postJson(target: string, url: string, payload: unknown, timeoutMs: number): Promise<Delivered> {
  return requestJson(target, url, { method: "POST", body: payload }, timeoutMs);
}

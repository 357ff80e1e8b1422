// Delivers an event of the log to a local endpoint as a Standard Webhooks sender would: the
// original body byte for byte, signed over those bytes (webhook-id, webhook-timestamp,
// webhook-signature), with headers naming where it came from. An endpoint that is down, slow, or
// answers 5xx, 408 or 429 gets the same event again with backoff, so events reach it in their order;
// any other answer is final. A redirect is not followed: fetch would turn the POST into a GET
// without the body, and the event would look delivered when nothing received it.
import { setTimeout as sleep } from "node:timers/promises";
import { signStandardWebhook } from "@hooklog/providers";
import type { LoggedEvent } from "./log-reader.ts";

export interface DeliveryAttempt {
  attempt: number;
  /** The HTTP status, or undefined when nothing answered. */
  status: number | undefined;
  /** Why nothing answered (ECONNREFUSED, a timeout), or why the answer is not a delivery (a redirect). */
  error?: string;
  ms: number;
}

export interface ForwardResult extends DeliveryAttempt {
  /** The endpoint answered 2xx. */
  delivered: boolean;
  /** No further attempt will be made (false only when Ctrl-C cut the retries short). */
  final: boolean;
}

export interface ForwarderOptions {
  url: string;
  secret: string;
  /** Each failed attempt that will be tried again, with the wait before the next. */
  onRetry(logged: LoggedEvent, attempt: DeliveryAttempt, waitMs: number): void;
  timeoutMs?: number;
  backoffMs?: readonly number[];
}

const DEFAULT_BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];

const retried = (status: number | undefined): boolean => status === undefined || status >= 500 || status === 408 || status === 429;

/**
 * A header value as HTTP can carry it: printable ASCII as is, anything else (accents, emoji, CR/LF)
 * percent-encoded, and so is a value with a '%', so a receiver can always decode what it gets.
 */
export const headerValue = (text: string): string => (/^[\x20-\x24\x26-\x7e]*$/.test(text) ? text : encodeURIComponent(text));

export function createForwarder(options: ForwarderOptions) {
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;

  /** Resolves once the endpoint has answered something final, or `signal` aborts (then `final` is false). */
  return async function forward(logged: LoggedEvent, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<ForwardResult> {
    const { event } = logged;
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        "content-type": headerValue(event.contentType),
        "user-agent": "hooklog-listen",
        "webhook-id": headerValue(event.id),
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signStandardWebhook(options.secret, headerValue(event.id), timestamp, event.payload),
        "hooklog-event-id": headerValue(event.id),
        "hooklog-source": headerValue(event.source),
        "hooklog-event-type": headerValue(event.type),
        "hooklog-provider-event-id": headerValue(event.providerEventId),
        "hooklog-origin": headerValue(event.origin),
      };
      let result: DeliveryAttempt;
      try {
        const response = await fetch(options.url, {
          method: "POST",
          headers,
          body: event.payload,
          redirect: "manual",
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 30_000)]),
        });
        // The body is not ours to read, only to finish, so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        const location = response.headers.get("location");
        result = {
          attempt,
          status: response.status,
          ms: Math.round(performance.now() - started),
          ...(response.status >= 300 && response.status < 400 ? { error: `redirect to ${location ?? "(no location)"} not followed` } : {}),
        };
      } catch (error) {
        if (signal.aborted) return { attempt, status: undefined, ms: Math.round(performance.now() - started), delivered: false, final: false };
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        // fetch names a network failure by its cause; an error without one is a request that cannot be made at all, which no retry mends.
        // fetch also refuses a port browsers block (6000, say) for good: no retry mends that either.
        if ((cause === undefined && (error as Error).name === "TypeError") || cause?.message === "bad port")
          return { attempt, status: undefined, error: `cannot send: ${(error as Error).message}`, ms: 0, delivered: false, final: true };
        const reason = cause?.code ?? cause?.message ?? ((error as Error).name === "TimeoutError" ? "no answer in time" : (error as Error).message);
        result = { attempt, status: undefined, error: reason, ms: Math.round(performance.now() - started) };
      }
      if (!retried(result.status)) return { ...result, delivered: result.status !== undefined && result.status < 300, final: true };
      const wait = backoff[Math.min(attempt, backoff.length) - 1] ?? 30_000;
      options.onRetry(logged, result, wait);
      await waitWithHeartbeats(wait, signal, heartbeat);
      if (signal.aborted) return { ...result, delivered: false, final: false };
    }
  };
}

/** Sleeps `ms`, keeping the reader's group membership alive (a long wait would otherwise end it). */
async function waitWithHeartbeats(ms: number, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<void> {
  const until = performance.now() + ms;
  while (!signal.aborted && performance.now() < until) {
    // Aborted, the sleep rejects: that ends the wait, which is all Ctrl-C asks.
    await sleep(Math.min(1000, until - performance.now()), undefined, { signal }).catch(() => undefined);
    await heartbeat().catch(() => undefined); // A failed heartbeat surfaces as the reader's own failure; the wait goes on.
  }
}

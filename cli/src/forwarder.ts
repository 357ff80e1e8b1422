// Delivers an event of the log to a local endpoint as a Standard Webhooks sender would: the
// original body byte for byte, signed (webhook-id, webhook-timestamp, webhook-signature; the
// specification's reference library), with headers naming where it came from. An endpoint that is
// down, slow, or answers 5xx, 408 or 429 gets the same event again with backoff, so events reach
// it in their order; any other answer is final.
import { Webhook } from "standardwebhooks";
import type { LoggedEvent } from "./log-reader.ts";

export interface DeliveryAttempt {
  attempt: number;
  /** The HTTP status, or undefined when nothing answered. */
  status: number | undefined;
  /** Why nothing answered (ECONNREFUSED, a timeout). */
  error?: string;
  ms: number;
}

export interface ForwardResult extends DeliveryAttempt {
  delivered: boolean;
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

export function createForwarder(options: ForwarderOptions) {
  const signer = new Webhook(options.secret);
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;

  /** Resolves once the endpoint has answered something final, or `signal` aborts (then `delivered` is false). */
  return async function forward(logged: LoggedEvent, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<ForwardResult> {
    const { event } = logged;
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const now = new Date();
      const headers: Record<string, string> = {
        "content-type": event.contentType,
        "user-agent": "hooklog-listen",
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signer.sign(event.id, now, event.payload),
        "hooklog-event-id": event.id,
        "hooklog-source": event.source,
        "hooklog-event-type": event.type,
        "hooklog-provider-event-id": event.providerEventId,
        "hooklog-origin": event.origin,
      };
      let result: DeliveryAttempt;
      try {
        const response = await fetch(options.url, {
          method: "POST",
          headers,
          body: event.payload,
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 30_000)]),
        });
        // The body is not ours to read, only to finish, so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        result = { attempt, status: response.status, ms: Math.round(performance.now() - started) };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        const reason = cause ?? ((error as Error).name === "TimeoutError" ? "no answer in time" : (error as Error).message);
        result = { attempt, status: undefined, error: reason, ms: Math.round(performance.now() - started) };
      }
      if (signal.aborted) return { ...result, delivered: false };
      if (!retried(result.status)) return { ...result, delivered: true };
      const wait = backoff[Math.min(attempt, backoff.length) - 1] ?? 30_000;
      options.onRetry(logged, result, wait);
      await waitWithHeartbeats(wait, signal, heartbeat);
      if (signal.aborted) return { ...result, delivered: false };
    }
  };
}

/** Sleeps `ms`, keeping the reader's group membership alive (a long wait would otherwise end it). */
async function waitWithHeartbeats(ms: number, signal: AbortSignal, heartbeat: () => Promise<void>): Promise<void> {
  const until = performance.now() + ms;
  while (!signal.aborted && performance.now() < until) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(1000, until - performance.now()));
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    await heartbeat().catch(() => undefined); // A failed heartbeat surfaces as the reader's own failure; the wait goes on.
  }
}

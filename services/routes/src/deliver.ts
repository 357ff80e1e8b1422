// Sends one rendered delivery and turns the destination's answer into the kit's retry semantics.
import { HooklogError, retryAfterMs } from "@hooklog/core";
import { RetryLaterError } from "@hooklog/consumer-kit";
import type { RenderedDelivery } from "@hooklog/routes";

/** A delivery that did not succeed. Messages show a Slack URL's origin only: the URL is a secret. */
export class DeliveryError extends HooklogError {
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, { retryable, ...options });
  }
}

// A Retry-After far in the future would hold the retry partition behind this delivery.
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;
const RECORDED_BODY_BYTES = 2048;

/** What a delivery's attempt got back, as far as it is kept. */
export interface DeliveryAnswer {
  status: number;
  body: string;
  durationMs: number;
}

/** Sends a mail; the service builds it from SMTP_URL. */
export type MailSender = (mail: { from: string; to: string; subject: string; text: string }) => Promise<{ messageId: string }>;

/**
 * 2xx resolves. 429 or 503 with Retry-After throws RetryLaterError; a timeout, a refused connection,
 * 408, 429 and 5xx throw a retryable DeliveryError; any other status a final one (dead letter at once).
 */
export async function deliver(delivery: RenderedDelivery, sendMail: MailSender | undefined): Promise<DeliveryAnswer> {
  const started = performance.now();
  if (delivery.kind === "email") {
    if (!sendMail) throw new DeliveryError("SMTP_NOT_CONFIGURED", "an email destination needs SMTP_URL", false);
    try {
      const { messageId } = await sendMail({ from: delivery.from, to: delivery.to, subject: delivery.subject, text: delivery.text });
      return { status: 250, body: messageId, durationMs: performance.now() - started };
    } catch (error) {
      throw new DeliveryError("SMTP_FAILED", `the mail to ${delivery.to} was not sent: ${(error as Error).message}`, true, { cause: error });
    }
  }
  let response: Response;
  let body: string;
  try {
    response = await fetch(delivery.url, {
      method: "POST",
      headers: delivery.headers,
      body: new Uint8Array(delivery.body),
      signal: AbortSignal.timeout(delivery.timeoutMs),
    });
    body = (await response.text()).slice(0, RECORDED_BODY_BYTES);
  } catch (error) {
    throw new DeliveryError("UNREACHABLE", `${delivery.shownUrl} could not be reached (timeout ${delivery.timeoutMs} ms): ${(error as Error).message}`, true, {
      cause: error,
    });
  }
  const { status } = response;
  if (status >= 200 && status < 300) return { status, body, durationMs: performance.now() - started };
  const asked = status === 429 || status === 503 ? retryAfterMs(response.headers.get("retry-after")) : undefined;
  if (asked !== undefined)
    throw new RetryLaterError(
      `${delivery.shownUrl} answered ${status}; retrying after ${Math.min(asked, MAX_RETRY_AFTER_MS)} ms`,
      Math.min(asked, MAX_RETRY_AFTER_MS),
    );
  throw new DeliveryError(
    `HTTP_${status}`,
    `${delivery.shownUrl} answered ${status}: ${body.slice(0, 200)}`,
    status === 408 || status === 429 || status >= 500,
  );
}

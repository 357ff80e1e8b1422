// Sends one rendered delivery and turns the destination's answer into the kit's retry semantics.
import { HooklogError, retryAfterMs } from "@hooklog/core";
import { RetryLaterError } from "@hooklog/consumer-kit";
import type { RecordedResponse, RenderedDelivery } from "@hooklog/routes";

/**
 * A delivery that did not succeed. Messages show a Slack URL's origin only: the URL is a secret.
 * `destinationDown`: the destination did not take any delivery (unreachable, timed out, 502/503/504,
 * 408, 429), rather than refusing this one: it counts toward the destination's circuit.
 */
export class DeliveryError extends HooklogError {
  readonly destinationDown: boolean;
  /** What the destination answered, when it answered. */
  readonly response: RecordedResponse | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; destinationDown: boolean; cause?: unknown; response?: RecordedResponse }) {
    super(code, message, { retryable: options.retryable, cause: options.cause });
    this.destinationDown = options.destinationDown;
    this.response = options.response;
  }
}

/** A 429 or 503 with Retry-After: the kit waits that long; the answer is kept with the attempt. */
export class RetryAfterAnswer extends RetryLaterError {
  readonly response: RecordedResponse;

  constructor(message: string, retryAfterMs: number, response: RecordedResponse) {
    super(message, retryAfterMs);
    this.response = response;
  }
}

/** Whether a failed delivery says the destination is down (a RetryLaterError is a 429 or 503 with Retry-After). */
export const isDestinationDown = (error: unknown): boolean => error instanceof RetryLaterError || (error instanceof DeliveryError && error.destinationDown);

// A Retry-After far in the future would hold the retry partition behind this delivery.
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;
const RECORDED_BODY_BYTES = 2048;
const DOWN_STATUSES = new Set([408, 429, 502, 503, 504]);

/** What a delivery's attempt got back, as far as it is kept. */
export interface DeliveryAnswer extends RecordedResponse {
  durationMs: number;
}

/** Sends a mail; the service builds it from SMTP_URL. */
export type MailSender = (mail: { from: string; to: string; subject: string; text: string }) => Promise<{ messageId: string }>;

/**
 * 2xx resolves (and 3xx, for a destination that says so). 429 or 503 with Retry-After throws
 * RetryLaterError; a timeout, a refused connection, 408, 429 and 5xx a retryable DeliveryError; any
 * other status a final one (dead letter at once). Redirects are never followed.
 */
export async function deliver(delivery: RenderedDelivery, sendMail: MailSender | undefined): Promise<DeliveryAnswer> {
  const started = performance.now();
  if (delivery.kind === "email") {
    if (!sendMail) throw new DeliveryError("SMTP_NOT_CONFIGURED", "an email destination needs SMTP_URL", { retryable: false, destinationDown: false });
    try {
      const { messageId } = await sendMail({ from: delivery.from, to: delivery.to, subject: delivery.subject, text: delivery.text });
      return { status: 250, headers: {}, body: messageId, durationMs: performance.now() - started };
    } catch (error) {
      // nodemailer gives the SMTP reply code: 5xx refuses this mail for good (no such mailbox), the rest may pass later.
      const code = (error as { responseCode?: number }).responseCode;
      const refused = code !== undefined && code >= 500;
      throw new DeliveryError("SMTP_FAILED", `the mail to ${delivery.to} was not sent: ${(error as Error).message}`, {
        retryable: !refused,
        destinationDown: !refused,
        cause: error,
      });
    }
  }
  let response: Response;
  let body: string;
  try {
    response = await fetch(delivery.url, {
      method: "POST",
      headers: delivery.headers,
      body: new Uint8Array(delivery.body),
      redirect: "manual",
      signal: AbortSignal.timeout(delivery.timeoutMs),
    });
    body = (await response.text()).slice(0, RECORDED_BODY_BYTES);
  } catch (error) {
    throw new DeliveryError("UNREACHABLE", `${delivery.shownUrl} could not be reached (timeout ${delivery.timeoutMs} ms): ${(error as Error).message}`, {
      retryable: true,
      destinationDown: true,
      cause: error,
    });
  }
  const { status } = response;
  // Kept and shown to the console's users: a cookie the destination sets is not theirs to see.
  const answered: RecordedResponse = { status, headers: Object.fromEntries([...response.headers].filter(([name]) => name !== "set-cookie")), body };
  if ((status >= 200 && status < 300) || (status >= 300 && status < 400 && delivery.redirectIsDelivery))
    return { ...answered, durationMs: performance.now() - started };
  if (status >= 300 && status < 400)
    throw new DeliveryError(`HTTP_${status}`, `${delivery.shownUrl} answered ${status}: redirects are not followed; give the URL it redirects to`, {
      retryable: false,
      destinationDown: false,
      response: answered,
    });
  const asked = status === 429 || status === 503 ? retryAfterMs(response.headers.get("retry-after")) : undefined;
  if (asked !== undefined)
    throw new RetryAfterAnswer(
      `${delivery.shownUrl} answered ${status}; retrying after ${Math.min(asked, MAX_RETRY_AFTER_MS)} ms`,
      Math.min(asked, MAX_RETRY_AFTER_MS),
      answered,
    );
  throw new DeliveryError(`HTTP_${status}`, `${delivery.shownUrl} answered ${status}: ${body.slice(0, 200)}`, {
    retryable: DOWN_STATUSES.has(status) || status >= 500,
    destinationDown: DOWN_STATUSES.has(status),
    response: answered,
  });
}

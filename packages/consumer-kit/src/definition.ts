import type { Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import type { WebhookEvent } from "@hooklog/schemas";
import type { OutsideCall } from "./effects.ts";
import { ConsumerKitError } from "./errors.ts";

/** What a consumer reads: a topic of WebhookEvent envelopes (the default) or of one domain record. */
export interface Subscription {
  topic: string;
  /** Full Avro record name of the topic's values; default hooklog.WebhookEvent. */
  record?: string;
  /** Only these event types reach the handler (webhook `type`, or the domain record name); default all. */
  types?: readonly string[];
}

/**
 * One event as a handler sees it, already decoded and deduplicated. A webhook's `payload()` is the
 * provider's JSON, read as the envelope's contentType says (a JSON type, or GitHub's form encoding);
 * it throws a non-retryable UNPARSEABLE_PAYLOAD error for a body that is neither.
 */
export type InboundEvent =
  | { kind: "webhook"; topic: string; type: string; key: string; event: WebhookEvent; payload: () => unknown }
  | { kind: "domain"; topic: string; type: string; key: string; event: Record<string, unknown> };

export interface HandlerContext {
  /** The transaction the handler's database effects must use: they commit with the processed mark, or not at all. */
  trx: Knex.Transaction;
  /** Stable per (consumer, event): the same on every redelivery, retry, replay and redrive. */
  idempotencyKey: string;
  /** Which attempt this is (1 = first). */
  attempt: number;
  logger: Logger;
  /** Emits a domain event through the outbox, atomically with the handler's database effects. */
  emit(record: string, value: Record<string, unknown>, options?: { key?: string }): Promise<void>;
  /**
   * Runs an effect outside Postgres (an HTTP call) at most once to completion per event and effect
   * name: a completed call is remembered, and a retry gets its stored result instead of calling again.
   * A call whose outcome was never recorded (a crash or an outage between the call and its record)
   * is made again with `earlier` set: where the outside service takes no idempotency key, look
   * there for the earlier attempt's effect before acting again.
   */
  once<T>(effect: string, call: OutsideCall<T>): Promise<T>;
}

/**
 * A handler error may say when to try again (an HTTP 429 or 503 with Retry-After): the kit waits at
 * least that long before the next attempt.
 */
export class RetryLaterError extends ConsumerKitError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super("RETRY_LATER", message, true, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export interface ConsumerDefinition {
  /** Consumer group `hooklog.<name>`, retry topics `<name>.retry.<n>`, dead letters `<name>.dlq`. */
  name: string;
  subscriptions: readonly Subscription[];
  handle(event: InboundEvent, context: HandlerContext): Promise<void>;
  /** Attempts before an event goes to the dead-letter topic; default 5. */
  maxAttempts?: number;
  /** Delay before attempt n+1 is base * 2^(n-1), with ±20 % jitter; default 1000 ms. */
  retryBaseDelayMs?: number;
  /** Domain records this consumer emits: to the topic of the same name, or the one given. */
  emits?: ReadonlyArray<string | { record: string; topic: string }>;
}

/** Declares a consumer; the kit's runner does the rest. */
export function defineConsumer(definition: ConsumerDefinition): ConsumerDefinition {
  if (!/^[a-z][a-z0-9-]{1,62}$/.test(definition.name)) throw new Error(`consumer name ${definition.name}: lower-case letters, digits and '-'`);
  if (definition.subscriptions.length === 0) throw new Error(`consumer ${definition.name}: subscribe to at least one topic`);
  return definition;
}

import type { Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import type { WebhookEvent } from "@hooklog/schemas";
import type { OutsideCall } from "./effects.ts";
import { ConsumerKitError } from "./errors.ts";

/**
 * One event as a handler sees it, already decoded and deduplicated. A webhook's `payload()` is the
 * provider's JSON, read as the envelope's contentType says (a JSON type, or GitHub's form encoding);
 * it throws a non-retryable UNPARSEABLE_PAYLOAD error for a body that is neither.
 */
export type InboundEvent =
  | ({ kind: "webhook"; topic: string; type: string; key: string; event: WebhookEvent; payload: () => unknown } & EventAt)
  | ({ kind: "domain"; topic: string; type: string; key: string; event: Record<string, unknown> } & EventAt);

/** Where an event sits in the log: the subscribed topic it was written to (a retry carries it in headers), its partition and offset. */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface EventAt {
  /** The event's first position: the same on every retry, redrive and replay. */
  position: LogPosition;
  /** Its Kafka message key: the entity its events are ordered by (the order, the pull request). */
  messageKey: string | undefined;
  /**
   * For a domain event: the hub event id of the webhook its chain of causes began with (an
   * invoice.paid for the task it created), so what consumers did with it shows on that webhook.
   */
  rootEventId: string | undefined;
  /** The W3C trace id its message carries (the POST's trace), when it carries one. */
  traceId: string | undefined;
}

export type WebhookInbound = Extract<InboundEvent, { kind: "webhook" }>;
export type DomainInbound = Extract<InboundEvent, { kind: "domain" }>;

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

/** What `applyBatch` gets besides the events. */
export interface BatchContext {
  /** The transaction its writes must use: they commit with the events' processed marks, or not at all. */
  trx: Knex.Transaction;
  logger: Logger;
}

/**
 * A handler error may say when to try again (an HTTP 429 or 503 with Retry-After): the kit waits at
 * least that long before the next attempt. With `countsAsAttempt: false` the handler declined to try
 * at all (its destination is paused): the event waits and keeps its attempt number, so a long pause
 * never dead-letters it.
 */
export class RetryLaterError extends ConsumerKitError {
  readonly retryAfterMs: number;
  readonly countsAsAttempt: boolean;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown; countsAsAttempt?: boolean }) {
    super("RETRY_LATER", message, true, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = retryAfterMs;
    this.countsAsAttempt = options?.countsAsAttempt ?? true;
  }
}

export type WebhookHandler = (event: WebhookInbound, context: HandlerContext) => Promise<void>;
export type DomainHandler = (event: DomainInbound, context: HandlerContext) => Promise<void>;

/**
 * A topic of WebhookEvent envelopes and a handler per event type, as octokit's `on("pull_request.opened", ...)`:
 * only the types named here reach the consumer, so what it reads and what it handles cannot drift apart.
 */
export interface WebhookSubscription {
  topic: string;
  record?: undefined;
  /**
   * Handlers by webhook event type as ingest names it: `invoice.paid`, `pull_request.opened`. `*`
   * takes every type no other key names (a projection of the whole log, such as the catalog).
   */
  on: Readonly<Record<string, WebhookHandler>>;
}

/** A topic of one domain record (topics are named after their record) and its handler. */
export interface DomainSubscription {
  topic: string;
  /** Full Avro record name of the topic's values, e.g. fulfillment.TaskCreated. */
  record: string;
  on: DomainHandler;
}

/** What a consumer reads, and what it does with each event it reads. */
export type Subscription = WebhookSubscription | DomainSubscription;

export interface ConsumerDefinition {
  /** Consumer group `hooklog.<name>`, retry topics `<name>.retry.<n>`, dead letters `<name>.dlq`. */
  name: string;
  subscriptions: readonly Subscription[];
  /** Attempts before an event goes to the dead-letter topic; default 5. */
  maxAttempts?: number;
  /** Delay before attempt n+1 is base * 2^(n-1), with ±20 % jitter; default 1000 ms. */
  retryBaseDelayMs?: number;
  /**
   * `per-key` (the default): while an event waits in a retry topic or the dead letters, the later
   * events of its message key wait behind it and are applied after it, in their log order; other keys
   * go on. `none`: every event is applied as soon as it comes, whatever failed before it.
   */
  ordering?: "per-key" | "none";
  /**
   * Which events get a state row and attempt rows (consumer_event_states, consumer_event_attempts).
   * `all` (the default): every one. `failures`: an event processed at its first reading writes none
   * (its processed mark alone): for a projection of a flood, whose successes nobody looks up. Failures,
   * retries, dead letters, parked events and operator actions are recorded as ever, and so is what
   * became of such an event (processed after a retry, a redrive, a rerun).
   */
  recordStates?: "all" | "failures";
  /**
   * Applies a whole batch's events in one call, instead of each event's handler in a savepoint of its
   * own: for a projection whose handlers only write Postgres (no `once`, no `emit`), where a few
   * multi-row statements cost what one event's round trips do. Requires `ordering: "none"`. The kit
   * marks the batch's events processed in one statement and passes the fresh ones (duplicates left
   * out) in their batch order, in one savepoint with the marks; should it throw, that savepoint is
   * rolled back and the batch is applied event by event through the `on` handlers, so a poison event
   * is retried and dead-lettered alone. The `on` handlers must therefore write what this writes.
   */
  applyBatch?: (events: readonly InboundEvent[], context: BatchContext) => Promise<void>;
  /** Domain records this consumer emits: to the topic of the same name, or the one given. */
  emits?: ReadonlyArray<string | { record: string; topic: string }>;
}

/** Declares a consumer; the kit's runner does the rest. */
export function defineConsumer(definition: ConsumerDefinition): ConsumerDefinition {
  if (!/^[a-z][a-z0-9-]{1,62}$/.test(definition.name)) throw new Error(`consumer name ${definition.name}: lower-case letters, digits and '-'`);
  if (definition.subscriptions.length === 0) throw new Error(`consumer ${definition.name}: subscribe to at least one topic`);
  const topics = definition.subscriptions.map((subscription) => subscription.topic);
  const twice = topics.find((topic, index) => topics.indexOf(topic) !== index);
  if (twice !== undefined) throw new Error(`consumer ${definition.name}: topic ${twice} is subscribed to twice; give one subscription all its handlers`);
  if (definition.ordering !== undefined && definition.ordering !== "per-key" && definition.ordering !== "none")
    throw new Error(`consumer ${definition.name}: ordering is "per-key" or "none", not ${JSON.stringify(definition.ordering)}`);
  if (definition.recordStates !== undefined && definition.recordStates !== "all" && definition.recordStates !== "failures")
    throw new Error(`consumer ${definition.name}: recordStates is "all" or "failures", not ${JSON.stringify(definition.recordStates)}`);
  if (definition.applyBatch !== undefined && definition.ordering !== "none")
    throw new Error(`consumer ${definition.name}: applyBatch needs ordering "none" (with "per-key", events of a failed key wait one by one)`);
  if (definition.applyBatch !== undefined && (definition.emits?.length ?? 0) > 0)
    throw new Error(`consumer ${definition.name}: applyBatch cannot emit; leave it out of a consumer that emits records`);
  for (const subscription of definition.subscriptions) {
    if (subscription.record === undefined && Object.keys(subscription.on).length === 0)
      throw new Error(`consumer ${definition.name}: topic ${subscription.topic} has no handler for any event type`);
  }
  return definition;
}

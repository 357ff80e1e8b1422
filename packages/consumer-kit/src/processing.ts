import { inStatements, type Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import { SpanKind, SpanStatusCode, context, extractTraceContext, trace, type Context, type Span } from "@hooklog/telemetry";
import { assertNotAborted, isInFailedTransaction } from "./aborted-transaction.ts";
import type { ConsumerDefinition, HandlerContext, InboundEvent } from "./definition.ts";
import type { BoundHandler } from "./dispatch.ts";
import { createOnce } from "./effects.ts";
import { BatchKeyOrder, type ParkedRow, type Revive, type RoutableMessage, type UnparkedFailure } from "./key-order.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { nextStep, type NextStep } from "./router.ts";
import { BatchStateLog, eventIdOf } from "./state-log.ts";

export interface PendingEvent {
  inbound: InboundEvent;
  /** The handler its subscription declares for its type (dispatch.ts). */
  handle: BoundHandler;
  attempt: number;
  /** The message's Kafka key (the order, the pull request): events of one key are applied in log order. */
  messageKey: string | undefined;
  /** Where the event was read (its headers carry the trace context): parked as this message, and read from a retry topic it never waits. */
  source: { message: RoutableMessage; partition: number; retried: boolean };
}

/**
 * `parked`: the event waits behind a failed event of its key (key-order.ts). `failed` says where the
 * event goes next, decided once: its recorded state and its routing follow the same step.
 */
export type EventResult = { status: "processed" } | { status: "duplicate" } | { status: "parked" } | { status: "failed"; error: Error; step: NextStep };

export interface BatchOutcome {
  /** One per event of the batch, in its order. */
  results: EventResult[];
  /** Events applied, parked events among them: when none, nothing was emitted. */
  processed: number;
}

export interface BatchDeps {
  logger: Logger;
  metrics: ConsumerMetrics;
  emitter: Emitter;
  revive: Revive;
  /**
   * Sends a parked event that failed once applied on to its retry. Called before the batch commits:
   * the commit takes it out of the parked events, so after the commit nothing else would send it.
   */
  routeUnparked: (failure: UnparkedFailure) => Promise<void>;
}

export interface Emitter {
  /** Encodes and writes one outbox row in `trx`. */
  emit(trx: Knex.Transaction, record: string, value: Record<string, unknown>, key: string | undefined, causation: InboundEvent): Promise<void>;
}

const tracer = trace.getTracer("hooklog-consumer-kit");

/**
 * Applies a batch in ONE Postgres transaction, each event in a savepoint of its own: the processed
 * mark and the handler's effects commit together, a duplicate is skipped, and a failing handler rolls
 * back only its own event. Kafka offsets are committed by the caller after this commit, so this
 * throws rather than resolve when the commit would not commit. With `ordering: "per-key"` (the
 * default), an event whose key waits behind a failed event is parked instead, and the failed event
 * applied releases what waited behind it (key-order.ts), in the same transaction. What the batch did
 * with each event (state-log.ts) is written in it too, so a state never tells of an uncommitted batch.
 * A definition with `applyBatch` has the batch applied in one call first (applyTogether), and event
 * by event only when that call fails.
 */
export async function processBatch(db: Knex, definition: ConsumerDefinition, events: readonly PendingEvent[], deps: BatchDeps): Promise<BatchOutcome> {
  if (definition.applyBatch === undefined) {
    const together = await handleTogether(db, definition, events, deps);
    if (!(together instanceof EventByEvent)) return together;
    return processEventByEvent(db, definition, events, deps, together.failed);
  }
  return processEventByEvent(db, definition, events, deps);
}

/** A handler that failed in handleTogether: the event, its error, and when and how long it ran. */
interface FailedRun {
  pending: PendingEvent;
  error: Error;
  run: { startedAt: Date; durationMs: number };
}

/**
 * Why handleTogether gave the batch up: it goes event by event, where each event has a savepoint.
 * `failed`: the event whose handler failed, and how; the event-by-event pass does not run that
 * handler again, so a failing handler runs once per attempt, as retries and the outside services it
 * calls count them. The handlers before it do run again (their Postgres work was rolled back; their
 * `once` calls answer from their record).
 */
class EventByEvent extends Error {
  readonly failed: FailedRun | undefined;

  constructor(message: string, failed?: FailedRun) {
    super(message);
    this.failed = failed;
  }
}

/**
 * The batch's handlers in one transaction without a savepoint each, when nothing in it needs the
 * event-by-event path: no key of the batch held (nothing waits or is released), every processed
 * mark in one statement, one probe of the transaction at the end. An EventByEvent when a handler
 * failed or a key is held: the transaction is rolled back whole, and the batch goes event by event
 * (see EventByEvent for which handlers run again). Saves each event its SAVEPOINT, mark, probe and
 * RELEASE: four round trips.
 */
async function handleTogether(
  db: Knex,
  definition: ConsumerDefinition,
  events: readonly PendingEvent[],
  deps: BatchDeps,
): Promise<BatchOutcome | EventByEvent> {
  const consumer = { consumer: definition.name };
  try {
    const { results, durations } = await db.transaction(async (trx) => {
      if ((definition.ordering ?? "per-key") === "per-key") {
        if ((await BatchKeyOrder.holds(trx, definition.name, events)).size > 0) throw new EventByEvent("a key of the batch is held");
      }
      const fresh = await insertMarks(trx, definition, events);
      const log = new BatchStateLog(definition.name, definition.recordStates);
      const outcome = { results: [] as EventResult[], durations: [] as number[] };
      for (const [index, pending] of events.entries()) {
        if (!fresh[index]) {
          outcome.results.push({ status: "duplicate" });
          continue;
        }
        const startedAt = new Date();
        const started = performance.now();
        try {
          await handleInTransaction(db, trx, definition, pending, deps);
        } catch (error) {
          // A query refused because an earlier handler swallowed its own failure is no failure of this
          // event's: the event-by-event pass runs it again, and finds which handler it was.
          if (isInFailedTransaction(error)) throw new EventByEvent("a handler left the transaction aborted");
          const run = { startedAt, durationMs: performance.now() - started };
          throw new EventByEvent("a handler failed", { pending, error: error instanceof Error ? error : new Error(String(error)), run });
        }
        const durationMs = performance.now() - started;
        log.processed(pending.inbound, pending.attempt, { startedAt, durationMs });
        outcome.results.push({ status: "processed" });
        outcome.durations.push(durationMs);
      }
      await assertNotAborted(trx, `the batch of ${definition.name}`);
      await log.write(trx);
      return outcome;
    });
    // Counted once committed: a batch given up here is counted by the event-by-event pass.
    for (const durationMs of durations) deps.metrics.handlerSeconds.observe(consumer, durationMs / 1000);
    if (durations.length > 0) deps.metrics.processed.inc(consumer, durations.length);
    if (durations.length < events.length) deps.metrics.duplicates.inc(consumer, events.length - durations.length);
    return { results, processed: durations.length };
  } catch (error) {
    if (error instanceof EventByEvent) return error;
    deps.logger.debug({ consumer: definition.name, events: events.length, err: error }, "the batch failed as a whole; applying its events one by one");
    return new EventByEvent("the batch failed as a whole");
  }
}

/**
 * Inserts the processed marks of `events`; true for each event
 * marked now, false for one marked before (a duplicate) or read twice in the batch (fresh the first time).
 */
async function insertMarks(trx: Knex.Transaction, definition: ConsumerDefinition, events: readonly PendingEvent[]): Promise<boolean[]> {
  const marked = new Set<string>();
  const rows = events.map(({ inbound }) => ({ consumer: definition.name, event_key: inbound.key, event_id: eventIdOf(inbound) }));
  await inStatements(rows, async (chunk) => {
    const inserted: Array<{ event_key: string }> = await trx("processed_events")
      .insert(chunk)
      .onConflict(["consumer", "event_key"])
      .ignore()
      .returning("event_key");
    for (const row of inserted) marked.add(row.event_key);
  });
  return events.map(({ inbound }) => marked.delete(inbound.key));
}

/** The span of one event's processing, a child of the trace its message carries, and that parent. */
function eventSpan(definition: ConsumerDefinition, pending: PendingEvent): { span: Span; parent: Context } {
  const { inbound } = pending;
  const parent = extractTraceContext(pending.source.message.headers ?? {});
  const span = tracer.startSpan(
    `process ${definition.name} ${inbound.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "hooklog.consumer": definition.name,
        "hooklog.event_key": inbound.key,
        "hooklog.event_type": inbound.type,
        "hooklog.attempt": pending.attempt,
      },
    },
    parent,
  );
  return { span, parent };
}

/** Runs one event's handler in `trx`, in a span of the event's trace; throws what the handler threw. */
async function handleInTransaction(db: Knex, trx: Knex.Transaction, definition: ConsumerDefinition, pending: PendingEvent, deps: BatchDeps): Promise<void> {
  const { span, parent } = eventSpan(definition, pending);
  try {
    await context.with(trace.setSpan(parent, span), () => pending.handle(handlerContext(db, trx, definition, pending, deps)));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** What a handler is given for one event: the transaction its Postgres work commits in, and the kit's helpers. */
function handlerContext(
  db: Knex,
  trx: Knex.Transaction,
  definition: ConsumerDefinition,
  pending: PendingEvent,
  deps: { logger: Logger; emitter: Emitter },
): HandlerContext {
  const { inbound } = pending;
  let logger: Logger | undefined;
  return {
    trx,
    idempotencyKey: `${definition.name}:${inbound.key}`,
    attempt: pending.attempt,
    // Built when a handler logs: most never do, and a child logger per event is a cost of its own.
    get logger() {
      logger ??= deps.logger.child({ consumer: definition.name, eventKey: inbound.key });
      return logger;
    },
    emit: (record, value, options) => deps.emitter.emit(trx, record, value, options?.key, inbound),
    once: createOnce(db, definition.name, `${definition.name}:${inbound.key}`),
  };
}

/** The batch event by event, each in a savepoint of its own (see processBatch); `failed` ran already, and failed. */
async function processEventByEvent(
  db: Knex,
  definition: ConsumerDefinition,
  events: readonly PendingEvent[],
  deps: BatchDeps,
  failed?: FailedRun,
): Promise<BatchOutcome> {
  return db.transaction(async (trx) => {
    let processed = 0;
    const log = new BatchStateLog(definition.name, definition.recordStates);
    const applyOne = async (pending: PendingEvent): Promise<EventResult> => {
      const startedAt = new Date();
      const started = performance.now();
      const known = pending === failed?.pending ? failed : undefined;
      const result = known ? handlerFailed(definition, pending, known.error, deps) : await processOne(db, trx, definition, pending, deps);
      const run = known?.run ?? { startedAt, durationMs: performance.now() - started };
      const { inbound } = pending;
      if (result.status === "processed") {
        processed += 1;
        log.processed(inbound, pending.attempt, run);
      } else if (result.status === "failed") {
        log.failed(
          { key: inbound.key, id: eventIdOf(inbound), position: inbound.position },
          pending.attempt,
          result.error,
          result.step,
          run,
          pending.source.message.headers,
        );
      }
      return result;
    };
    const unrevivable = (row: ParkedRow, error: Error): EventResult => {
      const step = nextStep(definition, 1, error, Date.now());
      log.unrevivable(row, error, step);
      return { status: "failed", error, step };
    };
    const order =
      (definition.ordering ?? "per-key") === "per-key" ? await BatchKeyOrder.begin(trx, definition.name, events, { ...deps, unrevivable }) : undefined;
    const together = order === undefined ? await applyTogether(trx, definition, events, deps) : undefined;
    if (together) {
      for (const [index, result] of together.results.entries()) {
        const pending = events[index];
        if (pending && result.status === "processed") log.processed(pending.inbound, pending.attempt, together.run);
      }
      processed = together.processed;
    }
    const results: EventResult[] = together?.results ?? [];
    for (const pending of together ? [] : events) {
      if (order?.mustWait(pending)) {
        results.push(await order.park(pending));
        log.parked(pending.inbound, pending.attempt);
        continue;
      }
      const result = await applyOne(pending);
      const settled = order ? await order.settle(pending, result, applyOne) : result;
      if (settled.status === "parked") log.parked(pending.inbound, pending.attempt);
      results.push(settled);
    }
    // Postgres turns the COMMIT of an aborted transaction into a ROLLBACK without an error (a query a
    // handler left running after it returned can still abort it): the batch must not pass as processed.
    await assertNotAborted(trx, `the batch of ${definition.name}`);
    await log.write(trx);
    // Should the commit fail after this, the event is both in its retry and parked again: applied once
    // (its processed mark), possibly before the event it waited for, which is read and applied again.
    for (const failure of order?.unparkedFailures ?? []) await deps.routeUnparked(failure);
    return { results, processed };
  });
}

/**
 * The definition's `applyBatch`, for the whole batch at once: every event's processed mark in one
 * statement, then one call with the fresh events, in one savepoint. Undefined when there is no
 * `applyBatch`, or when anything in it failed: the savepoint is rolled back (marks included), and the
 * caller applies the batch event by event, where a failure touches its own event only.
 */
async function applyTogether(
  trx: Knex.Transaction,
  definition: ConsumerDefinition,
  events: readonly PendingEvent[],
  deps: { logger: Logger; metrics: ConsumerMetrics },
): Promise<{ results: EventResult[]; processed: number; run: { startedAt: Date; durationMs: number } } | undefined> {
  const { applyBatch } = definition;
  if (applyBatch === undefined || events.length === 0) return undefined;
  // One span for the batch, linked to the trace of each of its events.
  const links = events.flatMap((pending) => {
    const spanContext = trace.getSpanContext(extractTraceContext(pending.source.message.headers ?? {}));
    return spanContext ? [{ context: spanContext }] : [];
  });
  const span = tracer.startSpan(`process ${definition.name} batch`, {
    kind: SpanKind.CONSUMER,
    attributes: { "hooklog.consumer": definition.name, "hooklog.batch_size": events.length },
    links,
  });
  const startedAt = new Date();
  const started = performance.now();
  try {
    const fresh = await context.with(trace.setSpan(context.active(), span), () =>
      trx.transaction(async (savepoint): Promise<boolean[]> => {
        const flags = await insertMarks(savepoint, definition, events);
        const applied = events.filter((_, index) => flags[index]).map(({ inbound }) => inbound);
        if (applied.length > 0) await applyBatch(applied, { trx: savepoint, logger: deps.logger.child({ consumer: definition.name }) });
        await assertNotAborted(savepoint, `the batch of ${definition.name}`);
        return flags;
      }),
    );
    const processed = fresh.filter(Boolean).length;
    const durationMs = performance.now() - started;
    if (processed > 0) {
      deps.metrics.processed.inc({ consumer: definition.name }, processed);
      // Each event's share of the call, so the histogram counts events as it does event by event.
      for (let index = 0; index < processed; index += 1) deps.metrics.handlerSeconds.observe({ consumer: definition.name }, durationMs / processed / 1000);
    }
    if (processed < events.length) deps.metrics.duplicates.inc({ consumer: definition.name }, events.length - processed);
    span.setAttribute("hooklog.duplicates", events.length - processed);
    const results = fresh.map((isFresh): EventResult => (isFresh ? { status: "processed" } : { status: "duplicate" }));
    return { results, processed, run: { startedAt, durationMs } };
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    deps.logger.warn({ consumer: definition.name, events: events.length, err: error }, "applying the batch at once failed; applying its events one by one");
    return undefined;
  } finally {
    span.end();
  }
}

async function processOne(
  db: Knex,
  trx: Knex.Transaction,
  definition: ConsumerDefinition,
  pending: PendingEvent,
  deps: { logger: Logger; metrics: ConsumerMetrics; emitter: Emitter },
): Promise<EventResult> {
  const { inbound } = pending;
  const { span, parent } = eventSpan(definition, pending);
  const started = performance.now();
  try {
    const result = await context.with(trace.setSpan(parent, span), () =>
      trx.transaction(async (savepoint): Promise<EventResult> => {
        const marked = await savepoint("processed_events")
          .insert({ consumer: definition.name, event_key: inbound.key, event_id: eventIdOf(inbound) })
          .onConflict(["consumer", "event_key"])
          .ignore()
          .returning("event_key");
        if (marked.length === 0) return { status: "duplicate" };
        await pending.handle(handlerContext(db, savepoint, definition, pending, deps));
        // A handler may have caught a failed query of its own: thrown here, the savepoint is rolled
        // back, the batch's transaction is usable again, and this event is retried like any failure.
        await assertNotAborted(savepoint, `the handler of ${inbound.key}`);
        return { status: "processed" };
      }),
    );
    if (result.status === "processed") {
      deps.metrics.processed.inc({ consumer: definition.name });
      deps.metrics.handlerSeconds.observe({ consumer: definition.name }, (performance.now() - started) / 1000);
    } else {
      deps.metrics.duplicates.inc({ consumer: definition.name });
      span.setAttribute("hooklog.duplicate", true);
    }
    return result;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    return handlerFailed(definition, pending, error instanceof Error ? error : new Error(String(error)), deps);
  } finally {
    span.end();
  }
}

/** An event whose handler failed: logged, and sent where its attempt says next. */
function handlerFailed(definition: ConsumerDefinition, pending: PendingEvent, error: Error, deps: { logger: Logger }): EventResult {
  deps.logger.warn({ consumer: definition.name, eventKey: pending.inbound.key, attempt: pending.attempt, err: error }, "handler failed");
  return { status: "failed", error, step: nextStep(definition, pending.attempt, error, Date.now()) };
}

import type { IHeaders } from "@hooklog/kafka";
import type { Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import { SpanKind, SpanStatusCode, context, extractTraceContext, trace } from "@hooklog/telemetry";
import { assertNotAborted } from "./aborted-transaction.ts";
import type { ConsumerDefinition, HandlerContext, InboundEvent } from "./definition.ts";
import type { BoundHandler } from "./dispatch.ts";
import { createOnce } from "./effects.ts";
import type { ConsumerMetrics } from "./metrics.ts";

export interface PendingEvent {
  inbound: InboundEvent;
  /** The handler its subscription declares for its type (dispatch.ts). */
  handle: BoundHandler;
  attempt: number;
  /** The message's Kafka headers: its trace context among them. */
  headers: IHeaders;
}

export type EventResult = { status: "processed" } | { status: "duplicate" } | { status: "failed"; error: Error };

export interface Emitter {
  /** Encodes and writes one outbox row in `trx`. */
  emit(trx: Knex.Transaction, record: string, value: Record<string, unknown>, key: string | undefined, causation: InboundEvent): Promise<void>;
}

const tracer = trace.getTracer("hooklog-consumer-kit");

/**
 * Applies a batch in ONE Postgres transaction, each event in a savepoint of its own: the processed
 * mark and the handler's effects commit together, a duplicate is skipped, and a failing handler rolls
 * back only its own event. Kafka offsets are committed by the caller after this commit, so this
 * throws rather than resolve when the commit would not commit.
 */
export async function processBatch(
  db: Knex,
  definition: ConsumerDefinition,
  events: readonly PendingEvent[],
  deps: { logger: Logger; metrics: ConsumerMetrics; emitter: Emitter },
): Promise<EventResult[]> {
  return db.transaction(async (trx) => {
    const results: EventResult[] = [];
    for (const pending of events) results.push(await processOne(db, trx, definition, pending, deps));
    // Postgres turns the COMMIT of an aborted transaction into a ROLLBACK without an error (a query a
    // handler left running after it returned can still abort it): the batch must not pass as processed.
    await assertNotAborted(trx, `the batch of ${definition.name}`);
    return results;
  });
}

async function processOne(
  db: Knex,
  trx: Knex.Transaction,
  definition: ConsumerDefinition,
  pending: PendingEvent,
  deps: { logger: Logger; metrics: ConsumerMetrics; emitter: Emitter },
): Promise<EventResult> {
  const { inbound } = pending;
  const parent = extractTraceContext(pending.headers);
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
  const started = performance.now();
  try {
    const result = await context.with(trace.setSpan(parent, span), () =>
      trx.transaction(async (savepoint): Promise<EventResult> => {
        const marked = await savepoint("processed_events")
          .insert({ consumer: definition.name, event_key: inbound.key, event_id: inbound.kind === "webhook" ? inbound.event.id : inbound.key })
          .onConflict(["consumer", "event_key"])
          .ignore()
          .returning("event_key");
        if (marked.length === 0) return { status: "duplicate" };
        const handlerContext: HandlerContext = {
          trx: savepoint,
          idempotencyKey: `${definition.name}:${inbound.key}`,
          attempt: pending.attempt,
          logger: deps.logger.child({ consumer: definition.name, eventKey: inbound.key }),
          emit: (record, value, options) => deps.emitter.emit(savepoint, record, value, options?.key, inbound),
          once: createOnce(db, definition.name, `${definition.name}:${inbound.key}`),
        };
        await pending.handle(handlerContext);
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
    deps.logger.warn({ consumer: definition.name, eventKey: inbound.key, attempt: pending.attempt, err: error }, "handler failed");
    return { status: "failed", error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    span.end();
  }
}

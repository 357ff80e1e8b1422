import type { Knex } from "@hooklog/db";
import { EVENT_HEADERS, header } from "@hooklog/kafka";
import type { Consumer, KafkaMessage } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import type { Batch, EachBatchHandler } from "kafkajs";
import { restartingOnFailure } from "./batch-failure.ts";
import type { ConsumerDefinition, EventAt, InboundEvent } from "./definition.ts";
import { UndecodableMessageError, traceIdOf } from "./decode.ts";
import { handlerFor, takesType } from "./dispatch.ts";
import { heartbeatWhile } from "./heartbeat.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import type { OutboxRelay } from "./outbox.ts";
import { parkedMessage, type Revive, type UnparkedFailure } from "./key-order.ts";
import { OffsetCommitter } from "./offset-commits.ts";
import { processBatch, type Emitter, type PendingEvent } from "./processing.ts";
import { RegistryUnavailableError, type RegistryOutage } from "./registry-outage.ts";
import { nextStep, type Route } from "./router.ts";
import { HEADERS, emittedRecords, retryTopics } from "./topology.ts";

export interface BatchLoopDeps {
  definition: ConsumerDefinition;
  db: Knex;
  logger: Logger;
  metrics: ConsumerMetrics;
  emitter: Emitter;
  relay: Pick<OutboxRelay, "poke">;
  route: Route;
  /** Decodes a message of a subscribed topic (decode.ts); a retried one by its original topic. */
  decode: (topic: string, value: Buffer | null, at: EventAt) => Promise<InboundEvent>;
  outage: RegistryOutage;
  /** kafkajs's heartbeat interval: the batch heartbeats twice as often (kafkajs sends at most one per interval). */
  heartbeatIntervalMs: number;
}

interface ReadBatch {
  taken: Array<{ message: KafkaMessage; pending: PendingEvent | undefined }>;
  undecodable: Array<{ message: KafkaMessage; error: UndecodableMessageError }>;
  /** Where this partition stops reading for now: a retry not yet due, or a message the registry could not resolve. */
  waitFrom: { offset: string; resumeAt: number } | undefined;
}

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/**
 * The batch loop: decode, wait for retries not yet due, wait out a registry outage, process the
 * batch in one transaction, route failures to retries or dead letters, commit the offsets.
 */
export function createBatchLoop(deps: BatchLoopDeps): {
  eachBatchOf(member: Consumer): EachBatchHandler;
  cancelResumes(): void;
  /** Commits the offsets still waiting for their interval (offset-commits.ts): before the member disconnects. */
  flushOffsets(): Promise<void>;
  /** Drops what waited for the assignment before: after the member (re)joined its group. */
  forgetOffsets(): void;
} {
  const { definition, logger } = deps;
  const offsets = new OffsetCommitter(logger, definition.name);
  const readBatch = batchReader(deps);
  const processAndRoute = batchProcessor(deps);
  const resumeTimers = new Set<NodeJS.Timeout>();

  function eachBatchOf(member: Consumer): EachBatchHandler {
    // Handlers may call slow outside services: heartbeats go on through the batch, so a long batch does not cost the group a rebalance.
    return ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) =>
      restartingOnFailure(
        () =>
          heartbeatWhile(heartbeat, { intervalMs: deps.heartbeatIntervalMs / 2, logger, consumer: definition.name }, async () => {
            const { topic, partition } = batch;
            const read = await readBatch(batch, isRunning, isStale);
            await processAndRoute(read, topic, partition);

            const last = read.taken.at(-1);
            if (last) {
              resolveOffset(last.message.offset);
              await offsets.processedUpTo(member, topic, partition, nextOffset(last.message.offset));
            }
            await heartbeat();

            if (read.waitFrom) waitBeforeResuming({ member, pause, resumeTimers }, topic, partition, read.waitFrom);
          }),
        { logger, consumer: definition.name },
      );
  }

  return {
    eachBatchOf,
    cancelResumes() {
      for (const timer of resumeTimers) clearTimeout(timer);
    },
    flushOffsets: () => offsets.flush(),
    forgetOffsets: () => offsets.forget(),
  };
}

/** Reads a batch's messages in order until one must wait: decoded, or set aside as undecodable. */
function batchReader(deps: BatchLoopDeps): (batch: Batch, isRunning: () => boolean, isStale: () => boolean) => Promise<ReadBatch> {
  const { definition, decode, outage } = deps;
  const retryTopicSet = new Set(retryTopics(definition));
  const subscriptionOf = new Map(definition.subscriptions.map((subscription) => [subscription.topic, subscription]));

  return async (batch, isRunning, isStale) => {
    const { topic, partition } = batch;
    const isRetry = retryTopicSet.has(topic);
    const read: ReadBatch = { taken: [], undecodable: [], waitFrom: undefined };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const dueAt = isRetry ? Number(header(message.headers, HEADERS.dueAt) ?? 0) : 0;
      if (dueAt > Date.now()) {
        read.waitFrom = { offset: message.offset, resumeAt: dueAt };
        break;
      }
      const originalTopic = isRetry ? (header(message.headers, HEADERS.originalTopic) ?? topic) : topic;
      // A webhook event of a type no handler takes is skipped unread: decoding it is most of what
      // skipping it would cost, and a hub's consumers each take a few of the many types.
      const subscription = subscriptionOf.get(originalTopic);
      const type = header(message.headers, EVENT_HEADERS.eventType);
      if (subscription && type !== undefined && !takesType(subscription, type)) {
        read.taken.push({ message, pending: undefined });
        continue;
      }
      try {
        const inbound = await decode(originalTopic, message.value, {
          position: isRetry
            ? {
                topic: originalTopic,
                partition: Number(header(message.headers, HEADERS.originalPartition) ?? partition),
                offset: header(message.headers, HEADERS.originalOffset) ?? message.offset,
              }
            : { topic, partition, offset: message.offset },
          messageKey: message.key?.toString(),
          rootEventId: header(message.headers, HEADERS.rootEventId),
          traceId: traceIdOf(header(message.headers, "traceparent")),
        });
        outage.decoded(`${topic}/${partition}`);
        const handle = handlerFor(subscriptionOf.get(inbound.topic), inbound);
        const attempt = isRetry ? Number(header(message.headers, HEADERS.attempt) ?? 2) : 1;
        read.taken.push({
          message,
          pending: handle
            ? {
                inbound,
                handle,
                attempt,
                messageKey: message.key?.toString(),
                source: { message, partition, retried: isRetry },
              }
            : undefined,
        });
      } catch (error) {
        if (error instanceof RegistryUnavailableError) {
          // The message is fine and decodes once the registry answers: never a dead letter. What came
          // before it is processed and committed; the partition reads it again after a backoff.
          read.waitFrom = { offset: message.offset, resumeAt: Date.now() + outage.failed(`${topic}/${partition}`, error) };
          break;
        }
        if (!(error instanceof UndecodableMessageError)) throw error;
        read.undecodable.push({ message, error });
        read.taken.push({ message, pending: undefined });
      }
    }
    return read;
  };
}

/** Processes what was read in one transaction, wakes the outbox relay, then routes each undecodable or failed message. */
function batchProcessor(deps: BatchLoopDeps): (read: ReadBatch, topic: string, partition: number) => Promise<void> {
  const { definition, db, logger, metrics, emitter, relay, route } = deps;
  const emitsAny = emittedRecords(definition).length > 0;
  const revive = reviver(deps);
  const routeUnparked = (failure: UnparkedFailure): Promise<void> =>
    route(failure.message, failure.topic, failure.partition, 1, failure.error, failure.eventKey, failure.step);

  return async ({ taken, undecodable }, topic, partition) => {
    if (taken.length > 0) metrics.batchEvents.observe({ consumer: definition.name }, taken.length);
    const pendings = taken.flatMap((entry) => (entry.pending ? [{ message: entry.message, pending: entry.pending }] : []));
    const { results, processed } =
      pendings.length > 0
        ? await processBatch(
            db,
            definition,
            pendings.map((entry) => entry.pending),
            { logger, metrics, emitter, revive, routeUnparked },
          )
        : { results: [], processed: 0 };
    if (emitsAny && processed > 0) relay.poke();

    for (const { message, error } of undecodable) await route(message, topic, partition, 1, error, "undecodable", nextStep(definition, 1, error, Date.now()));
    for (const [index, result] of results.entries()) {
      const entry = pendings[index];
      if (entry && result.status === "failed")
        await route(entry.message, topic, partition, entry.pending.attempt, result.error, entry.pending.inbound.key, result.step);
    }
  };
}

/** A parked event as it was read: decoded by its topic, with its handler (key-order.ts applies it). */
function reviver(deps: BatchLoopDeps): Revive {
  const subscriptionOf = new Map(deps.definition.subscriptions.map((subscription) => [subscription.topic, subscription]));
  return async (row, messageKey) => {
    const inbound = await deps.decode(row.topic, row.value, {
      position: { topic: row.topic, partition: row.partition, offset: row.offset },
      messageKey,
      rootEventId: row.headers[HEADERS.rootEventId],
      traceId: traceIdOf(row.headers.traceparent),
    });
    const handle = handlerFor(subscriptionOf.get(inbound.topic), inbound);
    return handle && { inbound, handle, attempt: 1, messageKey, source: { message: parkedMessage(row, messageKey), partition: row.partition, retried: false } };
  };
}

/** Pauses the partition, seeks back to the message that must wait and resumes it when that message is due. */
function waitBeforeResuming(
  on: { member: Consumer; pause: () => () => void; resumeTimers: Set<NodeJS.Timeout> },
  topic: string,
  partition: number,
  waitFrom: NonNullable<ReadBatch["waitFrom"]>,
): void {
  // A message that must wait holds up no other partition: only this one waits.
  const resume = on.pause();
  on.member.seek({ topic, partition, offset: waitFrom.offset });
  const timer = setTimeout(
    () => {
      on.resumeTimers.delete(timer);
      resume();
    },
    Math.max(0, waitFrom.resumeAt - Date.now()),
  );
  on.resumeTimers.add(timer);
}

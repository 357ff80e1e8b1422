import type { Knex } from "@hooklog/db";
import { createIdempotentProducer, createKafka, plainHeaders, type KafkaMessage, type LogProducer } from "@hooklog/kafka";
import type { LogPosition } from "./definition.ts";
import { assertPositionsInLog, positionKey, readMessagesAt } from "./position-reader.ts";
import type { AttemptOutcome, EventState } from "./state-log.ts";
import { HEADERS, groupId, readerGroupId, retryTopic } from "./topology.ts";

/** One event to hand to a consumer again: its key and its first position in the log. */
export interface ResendEvent {
  eventKey: string;
  position: LogPosition;
  /** Its hub event id, should the consumer have no record of it yet (otherwise the recorded one is kept). */
  eventId?: string;
}

export interface ResendOptions {
  kafkaBrokers: readonly string[];
  db: Knex;
  /** Also forget the event's completed outside calls (`once`), so they are made again; otherwise they answer from their record. */
  clearEffects: boolean;
  /** Who asked: recorded with the action. */
  actor: string;
  /** Events read and sent at a time; default 500. Each chunk is one read, one transaction, one produce request. */
  chunkSize?: number;
}

export interface ResendProgress {
  /** Messages read from the log so far, of `total`. */
  read: number;
  total: number;
}

export interface ResendResult {
  /** Events sent to the consumer's first retry topic. */
  resent: number;
}

/** Events read, held and sent at a time, by default: what bounds the messages in memory, whatever the request's size. */
const RESEND_CHUNK = 500;

/**
 * Has a running consumer handle events again, live. Positions outside what the log holds fail the
 * whole request first, naming one, with nothing done. Then, a chunk of events at a time: the chunk's
 * messages are read from the log at their positions (one read for them all), and in one Postgres
 * transaction their processed marks are deleted (and, with clearEffects, their outside calls'
 * records), their state set to rerun_requested with an attempt row naming the actor, and they are
 * sent to the first retry topic, due at once, before the commit as release() does: should the commit
 * fail, a resent event is a duplicate. A position found compacted away fails the request at its
 * chunk; the chunks before it stay resent.
 */
export async function resendEvents(
  consumer: string,
  asked: readonly ResendEvent[],
  options: ResendOptions,
  onProgress?: (progress: ResendProgress) => void,
): Promise<ResendResult> {
  // An event asked for twice is resent once (one upsert may not touch a row twice).
  const events = [...new Map(asked.map((event) => [event.eventKey, event])).values()];
  if (events.length === 0) return { resent: 0 };
  const chunkSize = options.chunkSize ?? RESEND_CHUNK;
  const kafka = createKafka({ clientId: `hooklog-${consumer}-resend`, brokers: options.kafkaBrokers });
  await assertPositionsInLog(
    kafka,
    events.map((event) => event.position),
  );
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    for (let start = 0; start < events.length; start += chunkSize) {
      const chunk = events.slice(start, start + chunkSize);
      const messages = await readMessagesAt(
        kafka,
        readerGroupId(`${groupId(consumer)}.resend`), // isReaderGroup tells it from consumers
        chunk.map((event) => event.position),
        (read) => onProgress?.({ read: start + read, total: events.length }),
      );
      await options.db.transaction(async (trx) => resendChunk(trx, consumer, chunk, messages, producer, options));
    }
    return { resent: events.length };
  } finally {
    await producer.disconnect();
  }
}

/** One chunk of resendEvents, in its transaction: marks forgotten, actions recorded, messages sent to the first retry. */
async function resendChunk(
  trx: Knex.Transaction,
  consumer: string,
  events: readonly ResendEvent[],
  messages: ReadonlyMap<string, KafkaMessage>,
  producer: LogProducer,
  options: ResendOptions,
): Promise<void> {
  const keys = events.map((event) => event.eventKey);
  const marks = (await trx("processed_events").where({ consumer }).whereIn("event_key", keys).delete().returning(["event_key", "event_id"])) as Array<{
    event_key: string;
    event_id: string;
  }>;
  if (options.clearEffects)
    await trx("effect_calls")
      .where({ consumer })
      .whereIn(
        "idempotency_key",
        keys.map((key) => `${consumer}:${key}`),
      )
      .delete();
  const markedId = new Map(marks.map((mark) => [mark.event_key, mark.event_id]));
  await recordActions(
    trx,
    consumer,
    events.map((event) => ({
      eventKey: event.eventKey,
      eventId: markedId.get(event.eventKey) ?? event.eventId ?? event.eventKey,
      position: event.position,
    })),
    { state: "rerun_requested", outcome: options.clearEffects ? "rerun" : "replayed", actor: options.actor },
  );
  const outgoing = events.map((event) => {
    const message = messages.get(positionKey(event.position));
    if (!message) throw new Error(`${event.position.topic}/${event.position.partition}@${event.position.offset} was not read`); // readMessagesAt throws first
    return {
      key: message.key,
      value: message.value,
      // As a retry carries them (router.ts): the consumer decodes it by its original topic and records its first position.
      headers: {
        ...plainHeaders(message.headers),
        [HEADERS.attempt]: "1",
        [HEADERS.dueAt]: "0",
        [HEADERS.originalTopic]: event.position.topic,
        [HEADERS.originalPartition]: String(event.position.partition),
        [HEADERS.originalOffset]: event.position.offset,
        [HEADERS.eventKey]: event.eventKey,
      },
    };
  });
  await producer.send({ topic: retryTopic(consumer, 1), acks: -1, messages: outgoing });
}

/**
 * Makes a running consumer handle one event again: its handler runs as if for the first time. With
 * clearEffects its `once` calls are made again too (a rerun); without, they answer from their record
 * (a replay of the handler's own Postgres work).
 */
export async function rerunEvent(
  consumer: string,
  options: ResendOptions & { eventKey: string; position: LogPosition; eventId?: string },
): Promise<ResendResult> {
  const { eventKey, position, eventId, ...rest } = options;
  return resendEvents(consumer, [{ eventKey, position, ...(eventId === undefined ? {} : { eventId }) }], rest);
}

/**
 * Records an operator's action on events: their state, and an attempt row naming the actor. The
 * attempt is the one the action schedules (1: a redrive or a rerun starts the count again). An event
 * the consumer has no state for is given one only when its id and position are known.
 */
export async function recordActions(
  trx: Knex | Knex.Transaction,
  consumer: string,
  events: ReadonlyArray<{ eventKey: string; eventId?: string; position?: LogPosition }>,
  action: { state: EventState; outcome: AttemptOutcome; actor: string },
): Promise<void> {
  if (events.length === 0) return;
  const now = new Date();
  const insertable = events.flatMap((event) =>
    event.eventId !== undefined && event.position
      ? [
          {
            consumer,
            event_key: event.eventKey,
            event_id: event.eventId,
            topic: event.position.topic,
            partition: event.position.partition,
            offset: event.position.offset,
            state: action.state,
            attempts: 0,
            updated_at: now,
          },
        ]
      : [],
  );
  const upserted = (
    insertable.length > 0
      ? await trx("consumer_event_states")
          .insert(insertable)
          .onConflict(["consumer", "event_key"])
          .merge({ state: action.state, next_attempt_at: null, updated_at: now })
          .returning(["event_key", "event_id"])
      : []
  ) as Array<{ event_key: string; event_id: string }>;
  const rest = events.filter((event) => !insertable.some((row) => row.event_key === event.eventKey)).map((event) => event.eventKey);
  const updated = (
    rest.length > 0
      ? await trx("consumer_event_states")
          .where({ consumer })
          .whereIn("event_key", rest)
          .update({ state: action.state, next_attempt_at: null, updated_at: now })
          .returning(["event_key", "event_id"])
      : []
  ) as Array<{ event_key: string; event_id: string }>;
  const recorded = [...upserted, ...updated];
  if (recorded.length === 0) return;
  await trx("consumer_event_attempts").insert(
    recorded.map((row) => ({
      consumer,
      event_key: row.event_key,
      event_id: row.event_id,
      attempt: 1,
      outcome: action.outcome,
      started_at: now,
      actor: action.actor,
    })),
  );
}

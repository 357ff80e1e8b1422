import type { Knex } from "@hooklog/db";
import { MAX_RECORD_BYTES, createIdempotentProducer, createKafka, header, type KafkaMessage, type LogProducer } from "@hooklog/kafka";
import { recordActions } from "./event-actions.ts";
import type { ParkedRow } from "./key-order.ts";
import { HEADERS, deadLetterTopic, groupId, isReaderGroup, readerGroupId, retryTopic } from "./topology.ts";

/** The consumers among Kafka's consumer group ids: every hooklog.<consumer>, less the short-lived readers of a redrive or a resend. */
export function consumerNamesIn(groupIds: readonly string[]): string[] {
  const prefix = groupId("");
  return groupIds
    .filter((id) => id.startsWith(prefix) && !isReaderGroup(id))
    .map((id) => id.slice(prefix.length))
    .sort();
}

export interface RedriveResult {
  inDeadLetters: number;
  redriven: number;
  alreadyProcessed: number;
}

export interface RedriveOptions {
  kafkaBrokers: readonly string[];
  db: Knex;
  eventKey?: string;
  /** Reads and counts as a redrive would, sending nothing: `redriven` is then how many it would send. */
  dryRun?: boolean;
  /** After each dead letter read: how many so far, of how many the topic held as the read began. */
  onProgress?: (read: number, total: number) => void;
  /** Who asked, recorded with each event redriven; default "cli". */
  actor?: string;
}

/**
 * Moves dead letters back into processing (all, or those of one event key) through the first retry
 * topic, with fresh attempts. Reads the whole dead-letter topic each time and skips events the
 * consumer has processed since, so running it twice never doubles an effect.
 */
export async function redrive(consumer: string, options: RedriveOptions): Promise<RedriveResult> {
  const kafka = createKafka({ clientId: `hooklog-${consumer}-redrive`, brokers: options.kafkaBrokers });
  const topic = deadLetterTopic(consumer);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => [end.partition, BigInt(end.high)]));
    const result: RedriveResult = { inDeadLetters: 0, redriven: 0, alreadyProcessed: 0 };
    if (remaining.size === 0) return result;
    const total = ends.reduce((sum, end) => sum + Number(BigInt(end.high) - BigInt(end.low)), 0);
    const readerGroup = readerGroupId(`${groupId(consumer)}.redrive`); // isReaderGroup tells it from consumers
    const producer = options.dryRun ? undefined : createIdempotentProducer(kafka);
    // A failure ends the redrive: restarted, kafkajs would read the dead letters again from the start and count them twice.
    const reader = kafka.consumer({
      groupId: readerGroup,
      maxBytesPerPartition: MAX_RECORD_BYTES,
      maxBytes: 2 * MAX_RECORD_BYTES,
      retry: { restartOnFailure: async () => false },
    });
    try {
      await producer?.connect();
      await reader.connect();
      await reader.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let ended = false;
        const end = (error?: unknown) => {
          if (ended) return;
          ended = true;
          if (error === undefined) resolve();
          else reject(error);
        };
        reader.on(reader.events.CRASH, ({ payload }) => end(payload.error));
        reader
          .run({
            // The group is this redrive's alone and deleted after it: nothing to commit.
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (ended) return;
              const last = remaining.get(partition);
              if (last === undefined) return;
              try {
                await redriveOne(consumer, message, producer, options, result);
              } catch (error) {
                // Thrown to kafkajs it would retry the batch and count this dead letter again: the redrive ends with it.
                end(error);
                return;
              }
              options.onProgress?.(result.inDeadLetters, total);
              if (BigInt(message.offset) + 1n >= last) remaining.delete(partition);
              if (remaining.size === 0) end();
            },
          })
          .catch(end);
      });
      return result;
    } finally {
      try {
        await reader.disconnect();
        await producer?.disconnect();
      } finally {
        // The group never committed; should Kafka refuse to delete it, it expires as an empty group.
        await admin.deleteGroups([readerGroup]).catch(() => undefined);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Counts one dead letter and, unless its event was processed since or it is another key's, sends it to the first retry. */
async function redriveOne(
  consumer: string,
  message: KafkaMessage,
  producer: LogProducer | undefined,
  options: RedriveOptions,
  result: RedriveResult,
): Promise<void> {
  result.inDeadLetters += 1;
  const eventKey = header(message.headers, HEADERS.eventKey);
  if (options.eventKey && options.eventKey !== eventKey) return;
  const processed = eventKey ? await options.db("processed_events").where({ consumer, event_key: eventKey }).first() : undefined;
  if (processed) {
    result.alreadyProcessed += 1;
    return;
  }
  if (producer) {
    const headers: Record<string, string> = {};
    for (const name of Object.keys(message.headers ?? {})) {
      const value = header(message.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    // The state is written in a transaction that commits after the send: the consumer's batch that
    // applies the redriven event waits on the state row until then, so its record comes after this one.
    await options.db.transaction(async (trx) => {
      if (eventKey) await recordActions(trx, consumer, [{ eventKey }], { state: "redriven", outcome: "redriven", actor: options.actor ?? "cli" });
      await producer.send({
        topic: retryTopic(consumer, 1),
        acks: -1,
        messages: [{ key: message.key, value: message.value, headers: { ...headers, [HEADERS.attempt]: "1", [HEADERS.dueAt]: "0" } }],
      });
    });
  }
  result.redriven += 1;
}

/**
 * Rewinds a stopped consumer to the beginning of its topics, or to the first offsets at or after
 * `since`. Effects are idempotent, so a replay repeats none; after a projection is dropped, a replay
 * rebuilds it. Kafka refuses while the consumer group has running members: stop the service first.
 */
export async function replay(consumer: string, options: { kafkaBrokers: readonly string[]; topics: readonly string[]; since?: Date }): Promise<void> {
  const kafka = createKafka({ clientId: `hooklog-${consumer}-replay`, brokers: options.kafkaBrokers });
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of options.topics) {
      if (!options.since) {
        await admin.resetOffsets({ groupId: groupId(consumer), topic, earliest: true });
        continue;
      }
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, options.since.getTime());
      await admin.setOffsets({ groupId: groupId(consumer), topic, partitions: offsets.map(({ partition, offset }) => ({ partition, offset })) });
    }
  } finally {
    await admin.disconnect();
  }
}

/** What a replay would read again: per topic, from the offsets it would set to the end of each partition. */
export interface ReplayPlan {
  topics: Array<{ topic: string; messages: number }>;
  total: number;
}

/** Counts what `replay` with the same options would have the consumer read again; moves nothing. */
export async function replayPlan(consumer: string, options: { kafkaBrokers: readonly string[]; topics: readonly string[]; since?: Date }): Promise<ReplayPlan> {
  const admin = createKafka({ clientId: `hooklog-${consumer}-replay`, brokers: options.kafkaBrokers }).admin();
  await admin.connect();
  try {
    const topics: ReplayPlan["topics"] = [];
    for (const topic of options.topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      // Kafka answers a time after the last message with the partition's end: nothing to read again there.
      const targets = options.since
        ? await admin.fetchTopicOffsetsByTimestamp(topic, options.since.getTime())
        : ends.map(({ partition, low }) => ({ partition, offset: low }));
      let messages = 0n;
      for (const end of ends) {
        const target = BigInt(targets.find((each) => each.partition === end.partition)?.offset ?? end.high);
        messages += BigInt(end.high) - (target < BigInt(end.low) ? BigInt(end.low) : target);
      }
      topics.push({ topic, messages: Number(messages) });
    }
    return { topics, total: topics.reduce((sum, each) => sum + each.messages, 0) };
  } finally {
    await admin.disconnect();
  }
}

/** The topics the consumer's group has committed offsets on, its retry levels aside: what a replay rewinds by default. */
export async function committedTopics(consumer: string, options: { kafkaBrokers: readonly string[] }): Promise<string[]> {
  const admin = createKafka({ clientId: `hooklog-${consumer}-replay`, brokers: options.kafkaBrokers }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: groupId(consumer) });
    return offsets.map((entry) => entry.topic).filter((topic) => !topic.startsWith(`${consumer}.retry.`));
  } finally {
    await admin.disconnect();
  }
}

/** The running members of the consumer's group: Kafka moves a group's offsets only when there are none. */
export async function groupMembers(consumer: string, options: { kafkaBrokers: readonly string[] }): Promise<number> {
  const admin = createKafka({ clientId: `hooklog-${consumer}-operator`, brokers: options.kafkaBrokers }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId(consumer)]);
    return groups[0]?.members.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

/** The consumers Kafka knows: every group named hooklog.<consumer>, less the short-lived readers of a redrive. */
export async function consumerNames(options: { kafkaBrokers: readonly string[] }): Promise<string[]> {
  const admin = createKafka({ clientId: "hooklog-operator", brokers: options.kafkaBrokers }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    return consumerNamesIn(groups.map((group) => group.groupId));
  } finally {
    await admin.disconnect();
  }
}

export interface HeldKey {
  messageKey: string;
  /** The event key of the failed event the key waits for: in a retry topic, or a dead letter. */
  heldBy: string;
  heldSince: Date;
  /** Events of the key parked behind it. */
  parked: number;
}

/** The keys of a consumer whose later events wait behind a failed event, oldest hold first. */
export async function heldKeys(consumer: string, options: { db: Knex }): Promise<HeldKey[]> {
  const { db } = options;
  const rows = (await db("held_keys as held")
    .where("held.consumer", consumer)
    .select("held.message_key", "held.held_by", "held.held_since")
    .select(db("parked_events as parked").whereRaw("parked.consumer = held.consumer and parked.message_key = held.message_key").count("*").as("parked"))
    .orderBy("held.held_since")) as Array<{ message_key: string; held_by: string; held_since: Date; parked: string | number }>;
  return rows.map((row) => ({ messageKey: row.message_key, heldBy: row.held_by, heldSince: row.held_since, parked: Number(row.parked) }));
}

export interface ReleaseResult {
  /** The event the key no longer waits for. */
  gaveUpOn: string;
  /** Parked events that will now be applied, in order. */
  parked: number;
}

/**
 * Stops a key waiting for the event that holds it (a dead letter nobody will redrive). The key's
 * oldest parked event takes the hold and goes to the first retry, due at once; once the consumer
 * applies it, the others follow in their order, as after any held event. The dead letter stays in
 * its topic: redriven later, it is applied then, after them.
 */
export async function release(consumer: string, options: { kafkaBrokers: readonly string[]; db: Knex; messageKey: string }): Promise<ReleaseResult> {
  const { db, messageKey } = options;
  const kafka = createKafka({ clientId: `hooklog-${consumer}-release`, brokers: options.kafkaBrokers });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    return await db.transaction(async (trx) => {
      const hold = (await trx("held_keys").where({ consumer, message_key: messageKey }).forUpdate().first("held_by")) as { held_by: string } | undefined;
      if (!hold) throw new Error(`${consumer} holds no key ${JSON.stringify(messageKey)}: nothing waits there (list the held keys without --key)`);
      const parked = (await trx("parked_events").where({ consumer, message_key: messageKey }).orderBy("id")) as ParkedRow[];
      const [next] = parked;
      if (!next) {
        await trx("held_keys").where({ consumer, message_key: messageKey }).delete();
        return { gaveUpOn: hold.held_by, parked: 0 };
      }
      await trx("held_keys").where({ consumer, message_key: messageKey }).update({ held_by: next.event_key, held_since: trx.fn.now() });
      await trx("parked_events").where({ id: next.id }).delete();
      // Sent before the commit: should the commit fail, the event is applied from the retry (once:
      // its processed mark) while the key stays held, and its parked copy is a duplicate when released.
      await producer.send({
        topic: retryTopic(consumer, 1),
        acks: -1,
        messages: [
          {
            key: messageKey,
            value: next.value,
            headers: {
              ...next.headers,
              [HEADERS.attempt]: "1",
              [HEADERS.dueAt]: "0",
              [HEADERS.originalTopic]: next.topic,
              [HEADERS.originalPartition]: String(next.partition),
              [HEADERS.originalOffset]: next.offset,
              [HEADERS.eventKey]: next.event_key,
            },
          },
        ],
      });
      return { gaveUpOn: hold.held_by, parked: parked.length };
    });
  } finally {
    await producer.disconnect();
  }
}

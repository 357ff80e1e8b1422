// Where each consumer stands with one event, from the kit's own records: processed_events,
// parked_events and held_keys in Postgres, the group's committed offset in Kafka, and the copies the
// kit wrote to the consumer's retry topics and dead letters (found by their hooklog-event-key header).
import { HEADERS, consumerNamesIn, deadLetterTopic, groupId } from "@hooklog/consumer-kit";
import type { Knex } from "@hooklog/db";
import { header, type Admin, type Kafka } from "@hooklog/kafka";
import type { Progress } from "./output.ts";
import { SCAN_MARGIN_MS } from "./event-lookup.ts";
import { offsetsAt, scanTopics } from "./topic-scan.ts";

/** The key the kit gives a webhook event in its records (packages/consumer-kit's decode). */
export const eventKeyOf = (event: { source: string; providerEventId: string }): string => `${event.source}:${event.providerEventId}`;

export interface EventPosition {
  /** `${source}:${providerEventId}`, as the kit keys its records. */
  eventKey: string;
  topic: string;
  partition: number;
  offset: string;
  /** The Kafka message key, which the kit holds while the event fails; an event without one holds nothing. */
  messageKey: string | null;
  /** When ingest's ledger accepted the event: no copy of it is older (less SCAN_MARGIN_MS for clocks). */
  acceptedAt: Date;
}

/** The key the event held because it failed. */
export interface Hold {
  messageKey: string;
  since: string;
}

export type ConsumerState =
  | { state: "processed"; processedAt: string }
  /** Applied after the event its key waits for (`behind`). */
  | { state: "parked"; parkedAt: string; messageKey: string; behind: string | null }
  | { state: "retrying"; topic: string; attempt: number | null; dueAt: string | null; error: string | null; holds: Hold | null }
  | { state: "dead-lettered"; topic: string; partition: number; offset: string; error: string | null; holds: Hold | null }
  /** Holds its key, yet no copy is left in a retry topic or the dead letters (their retention passed). */
  | { state: "failed"; holds: Hold | null }
  | { state: "not-read" }
  /** The group has read past it and nothing records it: a type the consumer does not handle. */
  | { state: "passed" };

export type ConsumerReport = { consumer: string; group: string; committedOffset: string | null } & ConsumerState;

interface KitRecords {
  processed: Map<string, Date>;
  parked: Map<string, { parkedAt: Date; messageKey: string; behind: string | null }>;
  holding: Map<string, Hold>;
}

async function kitRecords(db: Knex, eventKey: string): Promise<KitRecords> {
  const [processed, parked, holding] = await Promise.all([
    db("processed_events").where("event_key", eventKey).select("consumer", "processed_at") as Promise<Array<{ consumer: string; processed_at: Date }>>,
    db("parked_events as parked")
      .leftJoin("held_keys as held", (join) => join.on("held.consumer", "parked.consumer").andOn("held.message_key", "parked.message_key"))
      .where("parked.event_key", eventKey)
      .select("parked.consumer", "parked.message_key", "parked.parked_at", "held.held_by") as Promise<
      Array<{ consumer: string; message_key: string; parked_at: Date; held_by: string | null }>
    >,
    db("held_keys").where("held_by", eventKey).select("consumer", "message_key", "held_since") as Promise<
      Array<{ consumer: string; message_key: string; held_since: Date }>
    >,
  ]);
  return {
    processed: new Map(processed.map((row) => [row.consumer, row.processed_at])),
    parked: new Map(parked.map((row) => [row.consumer, { parkedAt: row.parked_at, messageKey: row.message_key, behind: row.held_by }])),
    holding: new Map(holding.map((row) => [row.consumer, { messageKey: row.message_key, since: row.held_since.toISOString() }])),
  };
}

/** The committed offset on the event's partition of every hooklog.<consumer> group that has committed on its topic. */
async function committedOffsets(admin: Admin, position: EventPosition): Promise<Map<string, string | null>> {
  const { groups } = await admin.listGroups();
  const offsets = new Map<string, string | null>();
  await Promise.all(
    consumerNamesIn(groups.map((group) => group.groupId)).map(async (consumer) => {
      const [topic] = await admin.fetchOffsets({ groupId: groupId(consumer), topics: [position.topic] });
      const partitions = topic?.partitions ?? [];
      if (!partitions.some((partition) => BigInt(partition.offset) >= 0n)) return;
      const offset = partitions.find((partition) => partition.partition === position.partition)?.offset;
      offsets.set(consumer, offset === undefined || BigInt(offset) < 0n ? null : offset);
    }),
  );
  return offsets;
}

interface FailedCopy {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  attempt: number | null;
  dueAt: string | null;
  error: string | null;
}

/** The latest copy of the event in each consumer's retry topics and dead letters, read from shortly before it was accepted. */
async function latestFailedCopies(
  kafka: Kafka,
  admin: Admin,
  consumers: readonly string[],
  position: EventPosition,
  progress: Progress,
): Promise<Map<string, FailedCopy>> {
  const { eventKey } = position;
  if (consumers.length === 0) return new Map();
  const topics = new Set(await admin.listTopics());
  const owner = new Map<string, string>();
  for (const consumer of consumers) {
    const retry = new RegExp(`^${consumer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.retry\\.\\d+$`);
    for (const topic of topics) if (retry.test(topic) || topic === deadLetterTopic(consumer)) owner.set(topic, consumer);
  }
  const starts = new Map<string, Map<number, bigint>>();
  // The kit copies an event only after reading it: the dead letters kept from before it are not read.
  const from = position.acceptedAt.getTime() - SCAN_MARGIN_MS;
  for (const topic of owner.keys()) starts.set(topic, await offsetsAt(admin, topic, from));
  const latest = new Map<string, FailedCopy>();
  await scanTopics(kafka, admin, starts, {
    onProgress: (read, total) => progress.update(`reading retry topics and dead letters: ${read} of ${total} message(s)`),
    onMessage: ({ topic, partition, message }) => {
      if (header(message.headers, HEADERS.eventKey) !== eventKey) return false;
      const consumer = owner.get(topic) as string;
      const timestamp = Number(message.timestamp);
      const known = latest.get(consumer);
      // A redriven dead letter is copied to the first retry again: the newest copy says where it is.
      // Written in the same millisecond, the dead letter is the later: the kit dead-letters after the last retry.
      const later = !known || timestamp > known.timestamp || (timestamp === known.timestamp && topic === deadLetterTopic(consumer));
      if (later) {
        const attempt = header(message.headers, HEADERS.attempt);
        const dueAt = header(message.headers, HEADERS.dueAt);
        latest.set(consumer, {
          topic,
          partition,
          offset: message.offset,
          timestamp,
          attempt: attempt === undefined ? null : Number(attempt),
          dueAt: dueAt === undefined || dueAt === "0" ? null : new Date(Number(dueAt)).toISOString(),
          error: header(message.headers, HEADERS.error) ?? null,
        });
      }
      return false;
    },
  });
  return latest;
}

/** Each consumer's state for the event, by consumer name. */
export async function consumerStates(kafka: Kafka, admin: Admin, db: Knex, position: EventPosition, progress: Progress): Promise<ConsumerReport[]> {
  const [records, offsets] = await Promise.all([kitRecords(db, position.eventKey), committedOffsets(admin, position)]);
  const names = [...new Set([...offsets.keys(), ...records.processed.keys(), ...records.parked.keys(), ...records.holding.keys()])].sort();
  const readPast = (consumer: string) => {
    const committed = offsets.get(consumer);
    return committed !== undefined && committed !== null && BigInt(committed) > BigInt(position.offset);
  };
  // Only a consumer that failed the event can have copies of it, and the kit holds a failed event's key until it
  // is applied or released: one that read past it holding nothing is passed, unread. A keyless event holds nothing.
  const mayHaveFailed = (consumer: string) => records.holding.has(consumer) || (position.messageKey === null && readPast(consumer));
  const failed = names.filter((consumer) => !records.processed.has(consumer) && !records.parked.has(consumer) && mayHaveFailed(consumer));
  const copies = await latestFailedCopies(kafka, admin, failed, position, progress);

  return names.map((consumer): ConsumerReport => {
    const base = { consumer, group: groupId(consumer), committedOffset: offsets.get(consumer) ?? null };
    const processedAt = records.processed.get(consumer);
    if (processedAt) return { ...base, state: "processed", processedAt: processedAt.toISOString() };
    const parked = records.parked.get(consumer);
    if (parked) return { ...base, state: "parked", parkedAt: parked.parkedAt.toISOString(), messageKey: parked.messageKey, behind: parked.behind };
    const holds = records.holding.get(consumer) ?? null;
    const copy = copies.get(consumer);
    if (copy && copy.topic === deadLetterTopic(consumer)) {
      return { ...base, state: "dead-lettered", topic: copy.topic, partition: copy.partition, offset: copy.offset, error: copy.error, holds };
    }
    if (copy) return { ...base, state: "retrying", topic: copy.topic, attempt: copy.attempt, dueAt: copy.dueAt, error: copy.error, holds };
    if (holds) return { ...base, state: "failed", holds };
    return { ...base, state: readPast(consumer) ? "passed" : "not-read" };
  });
}

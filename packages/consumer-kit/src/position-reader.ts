import { MAX_RECORD_BYTES, type Kafka, type KafkaMessage } from "@hooklog/kafka";
import type { LogPosition } from "./definition.ts";
import { ConsumerKitError } from "./errors.ts";
import { IdleTimeout } from "./idle-timeout.ts";

/** A position the log no longer holds (deleted by retention, compacted away) or never held (past its end). */
export class PositionNotReadableError extends ConsumerKitError {
  readonly position: LogPosition;

  constructor(position: LogPosition, why: string) {
    super("POSITION_NOT_READABLE", `${position.topic}/${position.partition}@${position.offset}: ${why}`, false);
    this.position = position;
  }
}

export const positionKey = (position: LogPosition): string => `${position.topic}\u0000${position.partition}\u0000${position.offset}`;
const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * No sign of the read (no batch, no message) for this long: it gives up rather than wait for ever on a
 * broker that never answers. A read that keeps receiving runs to its end, however long.
 */
const READ_IDLE_TIMEOUT_MS = 60_000;

/** Per partition, the offsets wanted in it, in order, each once. */
function wantedOffsets(positions: readonly LogPosition[]): Map<string, bigint[]> {
  const wanted = new Map<string, bigint[]>();
  for (const position of positions) {
    const key = partitionKey(position.topic, position.partition);
    const offsets = wanted.get(key) ?? [];
    if (!offsets.includes(BigInt(position.offset))) offsets.push(BigInt(position.offset));
    wanted.set(key, offsets);
  }
  for (const offsets of wanted.values()) offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return wanted;
}

/**
 * Throws PositionNotReadableError for the first position outside what its partition holds now (past
 * its end, before its start, no such partition), reading nothing: so a caller that reads in parts can
 * refuse the whole request before acting on any part. A position compacted away is only found by reading.
 */
export async function assertPositionsInLog(kafka: Kafka, positions: readonly LogPosition[]): Promise<void> {
  await startingPoints(kafka, [...new Set(positions.map((position) => position.topic))], wantedOffsets(positions));
}

/**
 * Reads the messages at the given positions, many at once: one fresh consumer group over their
 * topics, each partition sought to the first offset wanted in it (a partition with none, to its end),
 * read forward until every wanted offset is in hand. The group is named `groupId` (the caller's, so
 * it can tell it from a consumer's) and deleted after. Seeks made as the group starts are applied by
 * its first fetch, where admin.setOffsets would cost a member and a five-second fetch per call.
 */
export async function readMessagesAt(
  kafka: Kafka,
  groupId: string,
  positions: readonly LogPosition[],
  onRead?: (read: number, total: number) => void,
): Promise<Map<string, KafkaMessage>> {
  const found = new Map<string, KafkaMessage>();
  /** Per partition, the offsets still to read, in order. */
  const wanted = wantedOffsets(positions);
  const total = [...wanted.values()].reduce((sum, offsets) => sum + offsets.length, 0);
  if (total === 0) return found;

  const topics = [...new Set(positions.map((position) => position.topic))];
  const seeks = await startingPoints(kafka, topics, wanted);
  const reader = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 500,
    maxBytesPerPartition: MAX_RECORD_BYTES,
    maxBytes: 2 * MAX_RECORD_BYTES,
    // A failure ends the read: restarted, kafkajs would read from the group's start again.
    retry: { retries: 3, restartOnFailure: async () => false },
  });
  const admin = kafka.admin();
  try {
    await reader.connect();
    await reader.subscribe({ topics, fromBeginning: true });
    const done = Promise.withResolvers<void>();
    const idle = new IdleTimeout(READ_IDLE_TIMEOUT_MS, () =>
      done.reject(
        new ConsumerKitError("READ_TIMED_OUT", `nothing read for ${READ_IDLE_TIMEOUT_MS / 1000} s (${found.size} of ${total} position(s) read)`, true),
      ),
    );
    /** A wanted offset the partition passed without handing it over is not in the log any more (compacted away). */
    const passed = (topic: string, partition: number, upTo: bigint): void => {
      const offsets = wanted.get(partitionKey(topic, partition));
      const missing = offsets?.find((offset) => offset <= upTo);
      if (missing !== undefined)
        done.reject(new PositionNotReadableError({ topic, partition, offset: String(missing) }, "no longer in the log (compacted away)"));
    };
    reader.on(reader.events.CRASH, ({ payload }) => done.reject(payload.error));
    reader.on(reader.events.START_BATCH_PROCESS, () => idle.touch());
    reader.on(reader.events.END_BATCH_PROCESS, ({ payload }) => passed(payload.topic, payload.partition, BigInt(payload.lastOffset)));
    reader
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          idle.touch();
          const offsets = wanted.get(partitionKey(topic, partition));
          const offset = BigInt(message.offset);
          if (!offsets?.includes(offset)) {
            passed(topic, partition, offset);
            return;
          }
          offsets.splice(offsets.indexOf(offset), 1);
          if (offsets.length === 0) wanted.delete(partitionKey(topic, partition));
          found.set(positionKey({ topic, partition, offset: message.offset }), message);
          onRead?.(found.size, total);
          if (wanted.size === 0) done.resolve();
        },
      })
      .catch(done.reject);
    for (const seek of seeks) reader.seek(seek);
    try {
      await done.promise;
    } finally {
      idle.stop();
    }
    return found;
  } finally {
    try {
      await reader.disconnect();
    } finally {
      // The group never committed; should Kafka refuse to delete it, it expires as an empty group.
      await admin.connect().then(
        () => admin.deleteGroups([groupId]).catch(() => undefined),
        () => undefined,
      );
      await admin.disconnect();
    }
  }
}

/** Where each partition of the topics starts: its first wanted offset, or its end. Throws for a position outside what the log holds. */
async function startingPoints(
  kafka: Kafka,
  topics: readonly string[],
  wanted: Map<string, bigint[]>,
): Promise<Array<{ topic: string; partition: number; offset: string }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const seeks: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const offsets = wanted.get(partitionKey(topic, end.partition)) ?? [];
        for (const offset of offsets) {
          const position = { topic, partition: end.partition, offset: String(offset) };
          if (offset >= BigInt(end.high)) throw new PositionNotReadableError(position, `past the end of the partition (its next offset is ${end.high})`);
          if (offset < BigInt(end.low)) throw new PositionNotReadableError(position, `no longer in the log (it begins at ${end.low})`);
        }
        seeks.push({ topic, partition: end.partition, offset: String(offsets[0] ?? end.high) });
      }
      const known = new Set(ends.map((end) => end.partition));
      for (const key of wanted.keys()) {
        const [wantedTopic, partition = ""] = key.split("\u0000");
        if (wantedTopic === topic && !known.has(Number(partition)))
          throw new PositionNotReadableError({ topic, partition: Number(partition), offset: String(wanted.get(key)?.[0]) }, "the topic has no such partition");
      }
    }
    return seeks;
  } finally {
    await admin.disconnect();
  }
}

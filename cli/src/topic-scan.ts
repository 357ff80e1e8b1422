// A bounded read of topics: from given offsets up to each partition's end as it stood when the scan
// began, never further, so a busy topic cannot keep a lookup going for ever. kafkajs reads only
// through a consumer group: the scan uses a group of its own, seeks to its starts as it joins,
// never commits, and deletes the group at the end. A failure (of Kafka, or of onMessage) ends the scan
// with that error.
import { randomBytes } from "node:crypto";
import { MAX_RECORD_BYTES, type Admin, type Kafka, type KafkaMessage } from "@hooklog/kafka";
import { CliError } from "./errors.ts";

/** Where to start reading, per topic and partition; partitions not named are not read. */
export type ScanStarts = ReadonlyMap<string, ReadonlyMap<number, bigint>>;

export interface ScannedMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface ScanOptions {
  /** Called per message in order per partition; return true to end the scan early. */
  onMessage(scanned: ScannedMessage): Promise<boolean> | boolean;
  /** Messages read and left to read, now and then. */
  onProgress?(read: bigint, total: bigint): void;
  /** How long the scan may go without a message before it gives up. */
  stallMs?: number;
}

/** The offsets at `timestamp` (ms) per partition; a partition with nothing as late starts at its end. */
export async function offsetsAt(admin: Admin, topic: string, timestamp: number): Promise<Map<number, bigint>> {
  const [at, ends] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, timestamp), admin.fetchTopicOffsets(topic)]);
  const high = new Map(ends.map((end) => [end.partition, BigInt(end.high)]));
  return new Map(at.map(({ partition, offset }) => [partition, offset === "-1" ? (high.get(partition) ?? 0n) : BigInt(offset)]));
}

/** Reads from `starts` to the ends the topics have now; resolves when every partition is read or onMessage ended it. */
export async function scanTopics(kafka: Kafka, admin: Admin, starts: ScanStarts, options: ScanOptions): Promise<void> {
  const unread = new Map<string, bigint>(); // `${topic}\0${partition}` → end offset
  let total = 0n;
  for (const [topic, partitions] of starts) {
    for (const end of await admin.fetchTopicOffsets(topic)) {
      const start = partitions.get(end.partition);
      if (start === undefined || start >= BigInt(end.high)) continue;
      unread.set(`${topic}\0${end.partition}`, BigInt(end.high));
      total += BigInt(end.high) - start;
    }
  }
  if (unread.size === 0) return;

  const groupId = `hooklog-cli.scan.${Date.now().toString(36)}.${randomBytes(4).toString("hex")}`;
  // A short fetch wait: disconnect waits for the fetch in hand. Fetch sizes fit the largest record.
  // A failure ends the scan: restarted, kafkajs would read again from the start offsets, for ever.
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: MAX_RECORD_BYTES,
    maxBytes: 2 * MAX_RECORD_BYTES,
    retry: { restartOnFailure: async () => false },
  });
  let read = 0n;
  let stopped = false;
  /** The next offset to hand to onMessage, per partition: a read that starts again never hands one over twice. */
  const next = new Map<string, bigint>();
  for (const [topic, partitions] of starts) for (const [partition, offset] of partitions) next.set(`${topic}\0${partition}`, offset);
  try {
    await consumer.connect();
    // From the beginning only should the seeks be lost (a rejoin makes a new offset manager, and
    // nothing is committed): what comes before a start is then passed over, never skipped past.
    await consumer.subscribe({ topics: [...starts.keys()], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const stallMs = options.stallMs ?? 30_000;
      let lastActivity = Date.now();
      const finish = (error?: unknown) => {
        if (stopped) return;
        stopped = true;
        clearInterval(watchdog);
        if (error === undefined) resolve();
        else reject(error);
      };
      const passed = (topic: string, partition: number, offset: bigint) => {
        const slot = `${topic}\0${partition}`;
        const end = unread.get(slot);
        if (end !== undefined && offset + 1n >= end) unread.delete(slot);
        if (unread.size === 0) finish();
      };
      const watchdog = setInterval(() => {
        if (Date.now() - lastActivity > stallMs) {
          finish(
            new CliError(
              `Kafka sent nothing for ${stallMs / 1000} s with ${total - read} message(s) still to read`,
              "check that Kafka is healthy (npm run infra:status), then run the command again",
            ),
          );
        }
      }, 1000);
      consumer.on(consumer.events.CRASH, ({ payload }) => finish(payload.error));
      // A partition may end in transaction markers, which eachMessage never sees: a batch's end says where the reader is.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        lastActivity = Date.now();
        if (!stopped) passed(payload.topic, payload.partition, BigInt(payload.lastOffset));
      });
      const running = consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          if (stopped) return;
          lastActivity = Date.now();
          const slot = `${topic}\0${partition}`;
          const end = unread.get(slot);
          const offset = BigInt(message.offset);
          if (end === undefined || offset >= end || offset < (next.get(slot) ?? 0n)) return;
          next.set(slot, offset + 1n);
          read += 1n;
          options.onProgress?.(read, total);
          let done: boolean;
          try {
            done = await options.onMessage({ topic, partition, message });
          } catch (error) {
            // Thrown to kafkajs it would retry the batch, and fail the same way: the scan ends with it.
            finish(error);
            return;
          }
          if (done) finish();
          else passed(topic, partition, BigInt(message.offset));
        },
      });
      // Seeks made before the first fetch are applied by it, and nothing before them is handed over
      // (kafkajs' own setOffsets works this way, at the cost of a temporary member and a 5 s fetch).
      for (const [topic, partitions] of starts) {
        for (const [partition, offset] of partitions) consumer.seek({ topic, partition, offset: String(offset) });
      }
      running.catch(finish);
    });
  } finally {
    stopped = true;
    try {
      await consumer.disconnect();
    } finally {
      // The group only ever held this scan's offsets; a failure to delete it leaves an empty group that Kafka expires.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }
}

import { Kafka, logLevel, type IHeaders } from "kafkajs";
import { uniqueName } from "./names.ts";

export interface ReadMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * Reads a topic from the beginning through a fresh consumer group until `count` messages have come
 * (or, with `toEnd`, until the reader has passed every offset the topic held when the read began),
 * failing after `timeoutMs`. It never waits for a quiet period: a test waits on a condition.
 * Tests use it to assert what reached the log, and (with `toEnd`, once whatever writes to the topic
 * is known to be done) that nothing more did. The reader sees committed records only (read_committed),
 * so `toEnd` also waits for a transaction still open at the start to end.
 */
export async function readTopic(
  brokers: string,
  topic: string,
  options: { count?: number; toEnd?: boolean; timeoutMs?: number; groupId?: string } = {},
): Promise<ReadMessage[]> {
  const { count, timeoutMs = 30_000 } = options;
  if (count === undefined && options.toEnd !== true) throw new Error("readTopic: say how much to read, { count } or { toEnd: true }");
  const kafka = new Kafka({ clientId: "hooklog-test-reader", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  // With toEnd: each partition's end offset as the topic stands now, until the reader's position reaches it.
  const unread = options.toEnd ? await endOffsetsOf(kafka, topic) : new Map<number, bigint>();
  // A short fetch wait: disconnect() waits for the fetch in hand, kafkajs' default would add 5 s per read.
  // Fetch sizes fit the largest record Hooklog writes (@hooklog/kafka's MAX_RECORD_BYTES, 32 MiB).
  const consumer = kafka.consumer({
    groupId: options.groupId ?? uniqueName("test-reader"),
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 32 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
  });
  const messages: ReadMessage[] = [];
  // A partition's last offsets may be transaction markers or aborted records, which eachMessage never
  // sees: the reader's position is where its last batch ended. kafkajs reports a batch's end after
  // eachMessage has had its messages, and also for a batch of nothing but markers and aborted records.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = unread.get(payload.partition);
    if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) unread.delete(payload.partition);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const timer = setInterval(() => {
        const enough = (count !== undefined && messages.length >= count) || (options.toEnd === true && unread.size === 0);
        if (enough) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(timer);
          reject(new Error(`readTopic(${topic}): ${messages.length} message(s) after ${timeoutMs} ms, expected ${count ?? "the end"}`));
        }
      }, 50);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            messages.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/**
 * Each partition's end offset (the next to be written), for the partitions that hold any record.
 * A topic created a moment ago may not have its leaders known to every broker yet: a retriable
 * refusal (NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE) is asked again, for up to 30 s.
 */
async function endOffsetsOf(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        return new Map(ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => [end.partition, BigInt(end.high)]));
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

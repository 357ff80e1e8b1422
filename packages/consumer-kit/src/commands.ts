import type { Knex } from "@hooklog/db";
import { MAX_RECORD_BYTES, createIdempotentProducer, createKafka, header } from "@hooklog/kafka";
import { HEADERS, deadLetterTopic, groupId, retryTopic } from "./topology.ts";

export interface RedriveResult {
  inDeadLetters: number;
  redriven: number;
  alreadyProcessed: number;
}

/**
 * Moves dead letters back into processing (all, or those of one event key) through the first retry
 * topic, with fresh attempts. Reads the whole dead-letter topic each time and skips events the
 * consumer has processed since, so running it twice never doubles an effect.
 */
export async function redrive(consumer: string, options: { kafkaBrokers: readonly string[]; db: Knex; eventKey?: string }): Promise<RedriveResult> {
  const kafka = createKafka({ clientId: `hooklog-${consumer}-redrive`, brokers: options.kafkaBrokers });
  const topic = deadLetterTopic(consumer);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => [end.partition, BigInt(end.high)]));
  const result: RedriveResult = { inDeadLetters: 0, redriven: 0, alreadyProcessed: 0 };
  if (remaining.size === 0) return result;

  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const reader = kafka.consumer({
    groupId: `${groupId(consumer)}.redrive.${Date.now()}`,
    maxBytesPerPartition: MAX_RECORD_BYTES,
    maxBytes: 2 * MAX_RECORD_BYTES,
  });
  await reader.connect();
  await reader.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    reader
      .run({
        eachMessage: async ({ partition, message }) => {
          const end = remaining.get(partition);
          if (end === undefined) return;
          result.inDeadLetters += 1;
          const eventKey = header(message.headers, HEADERS.eventKey);
          if (!options.eventKey || options.eventKey === eventKey) {
            const processed = eventKey ? await options.db("processed_events").where({ consumer, event_key: eventKey }).first() : undefined;
            if (processed) result.alreadyProcessed += 1;
            else {
              const headers: Record<string, string> = {};
              for (const name of Object.keys(message.headers ?? {})) {
                const value = header(message.headers, name);
                if (value !== undefined) headers[name] = value;
              }
              await producer.send({
                topic: retryTopic(consumer, 1),
                acks: -1,
                messages: [{ key: message.key, value: message.value, headers: { ...headers, [HEADERS.attempt]: "1", [HEADERS.dueAt]: "0" } }],
              });
              result.redriven += 1;
            }
          }
          if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await reader.disconnect();
  await producer.disconnect();
  return result;
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

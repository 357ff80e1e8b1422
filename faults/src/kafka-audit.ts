// What is in Kafka: the source topics read from the beginning to their end offsets, each envelope
// decoded through the registry, counted by source and provider event id.
import { SchemaRegistryClient, createKafka, type RecordCodec } from "@hooklog/kafka";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { uniqueName } from "@hooklog/testkit";

/**
 * The topic's codec; a registry that fails is asked again for up to `timeoutMs` (after a Postgres
 * restart Apicurio answers 500 on connections its pool still holds), and `onRetry` hears why.
 */
async function codecOf(registry: SchemaRegistryClient, topic: string, timeoutMs: number, onRetry: (error: Error) => void): Promise<RecordCodec<WebhookEvent>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await webhookEventCodec(registry, topic);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      onRetry(error as Error);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** One envelope of an event in its topic. */
export interface KafkaCopy {
  partition: number;
  offset: string;
  /** The envelope's own id (a new one each time ingest writes the event) and when ingest received it. */
  eventId: string;
  receivedAt: number;
}

/** The envelopes of each event key (source:providerEventId): more than one when the event was written twice. */
export async function eventsInKafka(
  brokers: string,
  registryUrl: string,
  topics: readonly string[],
  timeoutMs: number,
  onRegistryRetry: (error: Error) => void,
): Promise<Map<string, KafkaCopy[]>> {
  const kafka = createKafka({ clientId: "hooklog-faults-audit", brokers: brokers.split(",") });
  const remaining = new Map<string, bigint>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(high) > BigInt(low)) remaining.set(`${topic}/${partition}`, BigInt(high));
      }
    }
  } finally {
    await admin.disconnect();
  }

  const registry = new SchemaRegistryClient(registryUrl);
  const codecs = new Map(await Promise.all(topics.map(async (topic) => [topic, await codecOf(registry, topic, timeoutMs, onRegistryRetry)] as const)));
  const copies = new Map<string, KafkaCopy[]>();
  if (remaining.size === 0) return copies;
  // Fetch sizes fit the largest record Hooklog writes (32 MiB).
  const consumer = kafka.consumer({
    groupId: uniqueName("faults-audit"),
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 32 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topics.join(", ")}: ${remaining.size} partition(s) not read to their end after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      consumer
        .run({
          partitionsConsumedConcurrently: 3,
          eachMessage: async ({ topic, partition, message }) => {
            const codec = codecs.get(topic);
            if (!codec || !message.value) throw new Error(`a message on ${topic} without a value or codec`);
            const envelope = await codec.decode(message.value);
            const key = `${envelope.source}:${envelope.providerEventId}`;
            const copy: KafkaCopy = { partition, offset: message.offset, eventId: envelope.id, receivedAt: envelope.receivedAt };
            copies.set(key, [...(copies.get(key) ?? []), copy]);
            const end = remaining.get(`${topic}/${partition}`);
            if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(`${topic}/${partition}`);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return copies;
}

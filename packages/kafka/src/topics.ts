import type { Kafka } from "kafkajs";

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Topic-level configs, e.g. { "retention.ms": "-1" }. */
  configs?: Record<string, string>;
}

/** Kafka is the source of truth: the webhook log keeps every event unless a topic says otherwise. */
export const KEEP_FOREVER: Record<string, string> = { "retention.ms": "-1", "min.insync.replicas": "1" };

/**
 * Creates the declared topics that are missing. Existing topics are left as they are, except that
 * a topic with fewer partitions than declared is reported: adding partitions would reorder keys.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<{ created: string[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker answers
      // for a moment after creating a topic; the loop below waits through it.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    if (missing.length > 0) {
      // A new topic's leaders can be known to the controller before the broker serves them; wait until
      // metadata shows a leader for every partition, or the first produce fails with UNKNOWN_TOPIC_OR_PARTITION.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const metadata = await admin.fetchTopicMetadata({ topics: missing.map((spec) => spec.name) }).catch((error: unknown) => {
          if ((error as { retriable?: boolean }).retriable === true) return undefined;
          throw error;
        });
        if (metadata?.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) break;
        if (Date.now() > deadline) throw new Error(`Topics ${missing.map((spec) => spec.name).join(", ")} have no leader after 15 s; is the broker healthy?`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const present = specs.filter((spec) => existing.has(spec.name));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
      for (const topic of metadata.topics) {
        const declared = specs.find((spec) => spec.name === topic.name);
        if (declared && topic.partitions.length < declared.partitions) {
          throw new Error(`Topic ${topic.name} has ${topic.partitions.length} partitions but ${declared.partitions} are declared; add them with kafka-topics --alter after checking key ordering.`);
        }
      }
    }
    return { created: missing.map((spec) => spec.name) };
  } finally {
    await admin.disconnect();
  }
}

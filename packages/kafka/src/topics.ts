import type { Admin, Kafka } from "kafkajs";
import { sourceTopicMaxMessageBytes } from "./limits.ts";

// kafkajs's ConfigResourceTypes.TOPIC; kafkajs is CommonJS and Node cannot name that export.
const TOPIC_RESOURCE = 2;

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Topic-level configs, e.g. { "retention.ms": "-1" }. */
  configs?: Record<string, string>;
  /** Default: min(3, brokers in the cluster). */
  replicationFactor?: number | undefined;
  /** `min.insync.replicas`; default: replication factor − 1, at least 1. */
  minInSyncReplicas?: number | undefined;
}

/** Kafka is the source of truth: the webhook log keeps every event unless a topic says otherwise. */
export const KEEP_FOREVER: Record<string, string> = { "retention.ms": "-1" };

/** How many copies a new topic keeps, and how many must have a write before it is acknowledged. */
export type Replication = Pick<TopicSpec, "replicationFactor" | "minInSyncReplicas">;

/**
 * A source's topic, as `npm start` declares it: kept forever, sized for the source's largest body
 * (`max.message.bytes`) so every event the source accepts fits, and replicated as the source says,
 * else as `defaults` (the operator's setting for all topics) say, else as the cluster allows.
 */
export function webhookTopicSpec(source: { topic: string; partitions: number; maxBodyBytes: number } & Replication, defaults: Replication = {}): TopicSpec {
  return {
    name: source.topic,
    partitions: source.partitions,
    configs: { ...KEEP_FOREVER, "max.message.bytes": String(sourceTopicMaxMessageBytes(source.maxBodyBytes)) },
    replicationFactor: source.replicationFactor ?? defaults.replicationFactor,
    minInSyncReplicas: source.minInSyncReplicas ?? defaults.minInSyncReplicas,
  };
}

/** The deliveries topic: one metadata record per inbound webhook request (schemas/hooklog.Delivery.v1.avsc). */
export const DELIVERY_TOPIC = "hooklog.Delivery";

/** How long delivery records are kept unless the operator says otherwise: a week. */
export const DELIVERY_RETENTION_HOURS = 168;

/**
 * The deliveries topic: keyed by source, so one source's deliveries keep their order; metadata, so
 * kept `retentionHours` (a week by default) where events are kept forever.
 */
export function deliveryTopicSpec(options: { retentionHours?: number } & Replication = {}): TopicSpec {
  const retentionHours = options.retentionHours ?? DELIVERY_RETENTION_HOURS;
  if (!Number.isInteger(retentionHours) || retentionHours < 1)
    throw new Error(`delivery retention must be a whole number of hours, at least 1: ${retentionHours}`);
  return {
    name: DELIVERY_TOPIC,
    partitions: 6,
    configs: { "retention.ms": String(retentionHours * 60 * 60 * 1000) },
    replicationFactor: options.replicationFactor,
    minInSyncReplicas: options.minInSyncReplicas,
  };
}

/**
 * The replication a topic is created with on a cluster of `brokers`: three copies where there are
 * three brokers, and an acknowledgement only once all but one of them have the write — so a 2xx
 * survives the loss of any one broker. One broker: one copy, and a 2xx means that broker has it.
 */
export function replicationFor(spec: Replication, brokers: number): { replicationFactor: number; minInSyncReplicas: number } {
  const replicationFactor = spec.replicationFactor ?? Math.min(3, brokers);
  if (replicationFactor > brokers)
    throw new Error(`replication factor ${replicationFactor} needs at least ${replicationFactor} brokers; the cluster has ${brokers}`);
  const minInSyncReplicas = spec.minInSyncReplicas ?? Math.max(1, replicationFactor - 1);
  if (minInSyncReplicas < 1 || minInSyncReplicas > replicationFactor) {
    throw new Error(`min.insync.replicas ${minInSyncReplicas} must be between 1 and the replication factor ${replicationFactor}`);
  }
  return { replicationFactor, minInSyncReplicas };
}

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
      const brokers = (await admin.describeCluster()).brokers.length;
      // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker answers
      // for a moment after creating a topic; the loop below waits through it.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((spec) => {
          const { replicationFactor, minInSyncReplicas } = replicationFor(spec, brokers);
          const configs = { ...spec.configs, "min.insync.replicas": String(minInSyncReplicas) };
          return {
            topic: spec.name,
            numPartitions: spec.partitions,
            replicationFactor,
            configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
          };
        }),
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
          throw new Error(
            `Topic ${topic.name} has ${topic.partitions.length} partitions but ${declared.partitions} are declared; add them with kafka-topics --alter after checking key ordering.`,
          );
        }
      }
    }
    return { created: missing.map((spec) => spec.name) };
  } finally {
    await admin.disconnect();
  }
}

/** Each topic's `max.message.bytes` as the broker applies it (the topic's own, else the broker's default). */
export async function topicMaxMessageBytes(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ["max.message.bytes"] })),
  });
  const limits = new Map<string, number>();
  for (const resource of resources) {
    const value = resource.configEntries.find((entry) => entry.configName === "max.message.bytes")?.configValue;
    if (resource.errorCode === 0 && value !== undefined) limits.set(resource.resourceName, Number(value));
  }
  return limits;
}

import type { Kafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import type { ConsumerDefinition } from "./definition.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { groupId } from "./topology.ts";

/** Every 15 s, how far the group's committed offsets are behind each subscribed partition's end (hooklog_consumer_lag). */
export function startLagReporter(deps: { kafka: Kafka; definition: ConsumerDefinition; metrics: ConsumerMetrics; logger: Logger }): { stop(): void } {
  const { kafka, definition, metrics, logger } = deps;
  async function reportLag(): Promise<void> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const topics = definition.subscriptions.map((subscription) => subscription.topic);
      const committed = await admin.fetchOffsets({ groupId: groupId(definition.name), topics });
      for (const { topic, partitions } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const { partition, offset } of partitions) {
          const end = ends.find((entry) => entry.partition === partition)?.high ?? "0";
          const behind = Number(BigInt(end) - BigInt(offset === "-1" ? "0" : offset));
          metrics.lag.set({ consumer: definition.name, topic, partition: String(partition) }, behind);
        }
      }
    } catch (error) {
      logger.debug({ err: error }, "consumer lag not measured this time");
    } finally {
      await admin.disconnect();
    }
  }
  const timer = setInterval(() => void reportLag(), 15_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

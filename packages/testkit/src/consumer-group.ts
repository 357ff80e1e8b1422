import { AssignerProtocol, Kafka, logLevel } from "kafkajs";

/**
 * Whether the consumer group `groupId` has committed, on every partition of every topic its members
 * subscribe to (its retry topics too), an offset at the end of that partition. A consumer commits
 * only what it has finished, so once this holds every message in those topics has been handled:
 * the positive marker a test waits for before it asserts that something did NOT happen.
 * False while the group has no member (nothing says which topics it reads).
 */
export async function consumerCaughtUp(brokers: string, groupId: string): Promise<boolean> {
  const kafka = new Kafka({ clientId: "hooklog-test-offsets", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const topics = new Set((groups[0]?.members ?? []).flatMap((member) => AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? []));
    if (topics.size === 0) return false;
    // Committed offsets first, then the ends: a consumer writes a retry or dead letter before it
    // commits, so whatever it wrote for a committed message is within the ends read after.
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((end) => [end.partition, end]));
      for (const { partition, offset } of partitions) {
        const end = ends.get(partition);
        if (!end || BigInt(end.high) === BigInt(end.low)) continue; // nothing to read there
        if (BigInt(offset) < BigInt(end.high)) return false; // -1 when the group has committed nothing yet
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

// What the run asks a three-broker cluster through kafkajs's admin client: which partition of the
// source topics is busiest and who leads it, whether restarted brokers are back in every ISR, and
// whether every topic keeps three copies and needs two in sync.
import { createKafka, type Admin, type Kafka } from "@hooklog/kafka";

/** kafkajs's ConfigResourceTypes.TOPIC (kafkajs is CommonJS and Node cannot name that export). */
const TOPIC_RESOURCE = 2;
/** How long offsets are watched to tell the busiest partition. */
const GROWTH_SAMPLE_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface KafkaNodeAddress {
  id: number;
  /** host:port of the node's own listener. */
  address: string;
}

export interface BusiestPartition {
  topic: string;
  partition: number;
  /** Its leader's node id, and the other replicas'. */
  leader: number;
  followers: number[];
  /** Records appended during the sample, and in all. */
  growth: number;
  messages: number;
}

export class ClusterView {
  readonly #kafka: Kafka;
  readonly #sourceTopics: readonly string[];

  constructor(brokers: string, sourceTopics: readonly string[]) {
    // Few, short retries: a caller that polls asks again itself, and a broker may just have been killed.
    this.#kafka = createKafka({ clientId: "hooklog-faults-cluster", brokers: brokers.split(","), requestTimeoutMs: 5000, retries: 2 });
    this.#sourceTopics = sourceTopics;
  }

  async #withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The partition of the source topics that grew most over two seconds of load (ties: the one with
   * more records), with its leader: "busiest" is where ingest writes most now, not where most was written.
   */
  busiestSourcePartition(): Promise<BusiestPartition> {
    return this.#withAdmin(async (admin) => {
      const highs = async (): Promise<Map<string, number>> => {
        const offsets = new Map<string, number>();
        for (const topic of this.#sourceTopics) {
          for (const { partition, high } of await admin.fetchTopicOffsets(topic)) offsets.set(`${topic}/${partition}`, Number(high));
        }
        return offsets;
      };
      const before = await highs();
      await sleep(GROWTH_SAMPLE_MS);
      const after = await highs();
      const ranked = [...after]
        .map(([key, high]) => ({ key, high, growth: high - (before.get(key) ?? 0) }))
        .sort((a, b) => b.growth - a.growth || b.high - a.high);
      const busiest = ranked[0];
      if (!busiest) throw new Error(`the source topics ${this.#sourceTopics.join(", ")} have no partitions`);
      const [topic = "", partitionText = ""] = busiest.key.split("/");
      const partition = Number(partitionText);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = metadata.topics[0]?.partitions.find((each) => each.partitionId === partition);
      if (!found || found.leader < 0) throw new Error(`${topic} partition ${partition} has no leader`);
      return {
        topic,
        partition,
        leader: found.leader,
        followers: found.replicas.filter((id) => id !== found.leader),
        growth: busiest.growth,
        messages: busiest.high,
      };
    });
  }

  /**
   * Partitions of every topic where one of `nodeIds` is a replica but not in sync; a broker that
   * does not answer counts as every partition out of sync.
   */
  async outOfSync(nodeIds: readonly number[]): Promise<string[]> {
    return this.#withAdmin(async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: await admin.listTopics() });
      return metadata.topics.flatMap((topic) =>
        topic.partitions
          .filter((partition) => nodeIds.some((id) => partition.replicas.includes(id) && !partition.isr.includes(id)))
          .map((partition) => `${topic.name}/${partition.partitionId} (isr ${partition.isr.join(",")})`),
      );
    }).catch((error: unknown) => [`the cluster did not answer: ${(error as Error).message}`]);
  }

  /**
   * True once the node at `address` answers a metadata request itself and lists itself. A KRaft
   * broker serves requests only once the controller has unfenced it, which it does only after the
   * killed incarnation's session has expired and its replicas were taken out of the ISRs: until
   * then the other brokers' metadata still shows the killed one in sync.
   */
  async #serving(node: KafkaNodeAddress): Promise<boolean> {
    const admin = createKafka({
      clientId: "hooklog-faults-cluster",
      brokers: [node.address],
      connectionTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      retries: 0,
    }).admin();
    try {
      await admin.connect();
      return (await admin.describeCluster()).brokers.some((broker) => broker.nodeId === node.id);
    } catch {
      return false; // not listening yet, or not serving: asked again
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Waits until each of `nodes` serves requests again and is in the ISR of every partition it holds;
   * says how long that took, or what is still out after `timeoutMs`.
   */
  async untilInSync(nodes: readonly KafkaNodeAddress[], timeoutMs: number): Promise<string> {
    const started = performance.now();
    const seconds = (): string => ((performance.now() - started) / 1000).toFixed(1);
    const pending = new Set(nodes);
    while (pending.size > 0) {
      for (const node of pending) if (await this.#serving(node)) pending.delete(node);
      if (pending.size === 0) break;
      if (performance.now() - started > timeoutMs) return `NOT serving again after ${seconds()} s: node(s) ${[...pending].map((node) => node.id).join(", ")}`;
      await sleep(500);
    }
    const serving = seconds();
    const ids = nodes.map((node) => node.id);
    for (;;) {
      const out = await this.outOfSync(ids);
      if (out.length === 0) return `serving again after ${serving} s, back in every ISR after ${seconds()} s`;
      if (performance.now() - started > timeoutMs)
        return `NOT back in the ISR after ${seconds()} s: ${out.slice(0, 5).join(", ")}${out.length > 5 ? ` and ${out.length - 5} more` : ""}`;
      await sleep(500);
    }
  }

  /** Topics (the services' retry, dead-letter and domain topics and Kafka's own among them) kept with other than `replicas` copies or min.insync.replicas. */
  replicationProblems(replicas: number, minInSync: number): Promise<string[]> {
    return this.#withAdmin(async (admin) => {
      const topics = await admin.listTopics();
      const metadata = await admin.fetchTopicMetadata({ topics });
      const problems = metadata.topics.flatMap((topic) => {
        const factors = [...new Set(topic.partitions.map((partition) => partition.replicas.length))];
        return factors.some((factor) => factor !== replicas) ? [`${topic.name} keeps ${factors.join("/")} copies, not ${replicas}`] : [];
      });
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ["min.insync.replicas"] })),
      });
      for (const resource of resources) {
        const value = resource.configEntries.find((entry) => entry.configName === "min.insync.replicas")?.configValue;
        if (value !== String(minInSync)) problems.push(`${resource.resourceName} has min.insync.replicas ${value ?? "(unknown)"}, not ${minInSync}`);
      }
      return problems;
    });
  }
}

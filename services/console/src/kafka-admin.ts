// The console's one Kafka admin client: connected on first use, reused by every page and the lag
// sampler, and every call bounded in time, so a Kafka that is down makes a page say so instead of hang.
import { consumerNamesIn, groupId, retryTopic } from "@hooklog/consumer-kit";
import { HooklogError } from "@hooklog/core";
import { type Admin, createKafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import type { ConsoleDeps } from "./deps.ts";

/** Kafka did not answer in time, or refused: the page or the API says so, and the next call tries again. */
export class KafkaUnreachableError extends HooklogError<"kafka_unavailable"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("kafka_unavailable", message, { retryable: true, ...options });
  }
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface ConsumerGroup {
  /** Kafka's state of the group: Stable, Empty, PreparingRebalance, Dead, ... */
  state: string;
  members: GroupMember[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset; null when it has committed nothing there yet. */
  committed: string | null;
  /** The partition's end (the next offset to be written). */
  end: string;
  /** Messages between the committed offset (or the partition's start) and the end. */
  lag: number;
}

/** Each topic's partition ends, read once for several consumers' lag. */
export type TopicEnds = Map<string, Promise<Array<{ partition: number; low: string; high: string }>>>;

/** Each call waits this long at most. */
const CALL_TIMEOUT_MS = 5000;

export class ConsoleKafka {
  readonly #brokers: readonly string[];
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  #admin: Promise<Admin> | undefined;

  constructor(options: { kafkaBrokers: readonly string[]; logger: Logger; timeoutMs?: number }) {
    this.#brokers = options.kafkaBrokers;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
  }

  /** The consumers Kafka knows: its hooklog.<name> groups, less the short-lived readers of a redrive or a resend. */
  async consumers(): Promise<string[]> {
    const { groups } = await this.#call("listing the consumer groups", (admin) => admin.listGroups());
    return consumerNamesIn(groups.map((group) => group.groupId));
  }

  async group(consumer: string): Promise<ConsumerGroup> {
    return (await this.groups([consumer])).get(consumer) ?? { state: "Dead", members: [] };
  }

  /** Several consumers' groups in one request. */
  async groups(consumers: readonly string[]): Promise<Map<string, ConsumerGroup>> {
    if (consumers.length === 0) return new Map();
    const { groups } = await this.#call("describing the consumer groups", (admin) => admin.describeGroups(consumers.map(groupId)));
    const byId = new Map(groups.map((group) => [group.groupId, group]));
    return new Map(
      consumers.map((consumer) => {
        const group = byId.get(groupId(consumer));
        return [
          consumer,
          {
            state: group?.state ?? "Dead",
            members: (group?.members ?? []).map((member) => ({ memberId: member.memberId, clientId: member.clientId, clientHost: member.clientHost })),
          },
        ];
      }),
    );
  }

  /** The group's lag on every partition it has committed on (its retry levels included), by topic then partition. */
  async lag(consumer: string, topicEnds: TopicEnds = new Map()): Promise<PartitionLag[]> {
    const committed = await this.#call(`reading ${groupId(consumer)}'s offsets`, (admin) => admin.fetchOffsets({ groupId: groupId(consumer) }));
    const lags: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      let read = topicEnds.get(topic);
      if (!read) {
        read = this.#call(`reading ${topic}'s ends`, (admin) => admin.fetchTopicOffsets(topic));
        topicEnds.set(topic, read);
      }
      const ends = new Map((await read).map((end) => [end.partition, end]));
      for (const { partition, offset } of partitions) {
        const end = ends.get(partition);
        if (!end) continue;
        const from = BigInt(offset) < 0n ? BigInt(end.low) : BigInt(offset);
        const lag = BigInt(end.high) - from;
        lags.push({ topic, partition, committed: BigInt(offset) < 0n ? null : offset, end: end.high, lag: Number(lag > 0n ? lag : 0n) });
      }
    }
    return lags.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** The topics a replay of the consumer reads from: those its group committed on, its retry levels aside (as the kit's committedTopics). */
  async committedTopics(consumer: string): Promise<string[]> {
    const offsets = await this.#call(`reading ${groupId(consumer)}'s offsets`, (admin) => admin.fetchOffsets({ groupId: groupId(consumer) }));
    const retryPrefix = retryTopic(consumer, 0).slice(0, -1);
    return offsets.map((entry) => entry.topic).filter((topic) => !topic.startsWith(retryPrefix));
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  async #call<T>(what: string, call: (admin: Admin) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KafkaUnreachableError(`Kafka (${this.#brokers.join(", ")}) did not answer ${what} within ${this.#timeoutMs / 1000} s`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#connected().then(call), timeout]);
    } catch (error) {
      // A failed client may be half-connected: the next call starts from a fresh one.
      void this.close().catch((closing: unknown) => this.#logger.debug({ err: closing }, "closing a failed Kafka admin client"));
      if (error instanceof KafkaUnreachableError) throw error;
      throw new KafkaUnreachableError(`Kafka (${this.#brokers.join(", ")}) failed ${what}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  #connected(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = createKafka({
        clientId: "hooklog-console",
        brokers: this.#brokers,
        connectionTimeoutMs: 3000,
        requestTimeoutMs: this.#timeoutMs,
        retries: 1,
      }).admin();
      await admin.connect();
      return admin;
    })();
    return this.#admin;
  }
}

const clients = new WeakMap<ConsoleDeps, ConsoleKafka>();

/** The one client of a console (its deps): the pages and the lag sampler share it. */
export function consoleKafkaOf(deps: ConsoleDeps): ConsoleKafka {
  let client = clients.get(deps);
  if (!client) {
    client = new ConsoleKafka({ kafkaBrokers: deps.kafkaBrokers, logger: deps.logger });
    clients.set(deps, client);
  }
  return client;
}

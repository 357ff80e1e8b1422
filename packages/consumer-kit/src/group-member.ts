import { MAX_RECORD_BYTES, type Consumer, type Kafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import type { ConsumerConfig, EachBatchHandler } from "kafkajs";
import type { ConsumerDefinition } from "./definition.ts";
import { MemberWatchdog } from "./member-watchdog.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { groupId, subscribedTopics } from "./topology.ts";

/** How long a join waits for the group's other members (kafkajs's default). */
const REBALANCE_TIMEOUT_MS = 60_000;

export interface GroupMemberOptions {
  kafka: Kafka;
  definition: ConsumerDefinition;
  metrics: ConsumerMetrics;
  logger: Logger;
  /** The batch loop of one kafkajs consumer (it commits and seeks through that consumer). */
  eachBatchOf: (member: Consumer) => EachBatchHandler;
  /** Told on every join of the group (each rebalance). */
  onJoin: () => void;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  stalledAfterMs: number | undefined;
}

export interface GroupMember {
  /** Resolves once the consumer has joined its group and been assigned partitions. */
  joined: Promise<void>;
  groupJoins(): number;
  memberRestarts(): number;
  /** No more replacements; resolves once one under way has ended. */
  stopReplacing(): Promise<void>;
  /** Drains the batch in hand and leaves the group. */
  disconnect(): Promise<void>;
}

/**
 * The consumer's member of its Kafka group: a kafkajs consumer running the batch loop, replaced by
 * a new one when kafkajs leaves it out of the group (member-watchdog.ts).
 */
export async function startGroupMember(options: GroupMemberOptions): Promise<GroupMember> {
  const { kafka, definition, metrics, logger } = options;
  const sessionTimeout = options.sessionTimeoutMs;
  const heartbeatInterval = heartbeatIntervalMs(sessionTimeout);
  let groupJoins = 0;
  let stopping = false;
  let resolveJoined: () => void = () => {};
  const joined = new Promise<void>((resolve) => {
    resolveJoined = resolve;
  });
  const watchdog = new MemberWatchdog({
    // A join may wait a whole rebalance for the other members; silence longer than a session and that is not a rebalance.
    stalledAfterMs: options.stalledAfterMs ?? sessionTimeout + REBALANCE_TIMEOUT_MS,
    checkEveryMs: 5000,
    onStall: (silentMs) =>
      logger.error(
        { consumer: definition.name, silentMs: Number.isFinite(silentMs) ? silentMs : null },
        "consumer is out of its group (kafkajs crashed or went silent): starting a new member",
      ),
    onReplaceFailed: (error) => logger.error({ consumer: definition.name, err: error }, "a new group member could not start; trying again shortly"),
    replace: async () => {
      if (stopping) return;
      const stalled = member;
      // A stalled member may never finish disconnecting (its batch may hang): it is left behind after a bound.
      await Promise.race([stalled.disconnect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (stopping) return;
      member = await startMember();
      metrics.memberRestarts.inc({ consumer: definition.name });
    },
  });

  async function startMember(): Promise<Consumer> {
    const consumer = kafka.consumer(memberConfig(definition, sessionTimeout, heartbeatInterval));
    const { HEARTBEAT, FETCH_START, START_BATCH_PROCESS, GROUP_JOIN, CRASH } = consumer.events;
    for (const sign of [HEARTBEAT, FETCH_START, START_BATCH_PROCESS]) consumer.on(sign, () => watchdog.alive());
    consumer.on(GROUP_JOIN, () => {
      groupJoins += 1;
      watchdog.alive();
      options.onJoin();
      resolveJoined();
    });
    consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart && !stopping) watchdog.crashed();
    });
    await runBatchLoop(consumer, options);
    return consumer;
  }

  let member = await startMember();
  watchdog.start();

  return {
    joined,
    groupJoins: () => groupJoins,
    memberRestarts: () => watchdog.replacements(),
    async stopReplacing() {
      stopping = true;
      await watchdog.stop();
    },
    disconnect: () => member.disconnect(),
  };
}

/** The kafkajs settings of one member of `definition`'s group. */
function memberConfig(definition: ConsumerDefinition, sessionTimeout: number, heartbeatInterval: number): ConsumerConfig {
  return {
    groupId: groupId(definition.name),
    sessionTimeout,
    rebalanceTimeout: REBALANCE_TIMEOUT_MS,
    heartbeatInterval,
    allowAutoTopicCreation: false,
    // Fetches fit the largest record a topic may hold (a 25 MiB GitHub delivery in its envelope).
    maxBytesPerPartition: MAX_RECORD_BYTES,
    maxBytes: 2 * MAX_RECORD_BYTES,
    // A batch that failed as a whole restarts the consumer (batch-failure.ts) after this long at first.
    retry: { initialRetryTime: 1000, retries: 5 },
    // A fetch waits at most this long for data: bounds how late a resumed retry partition is read
    // and how long stop() waits for the fetch in hand (kafkajs' default is 5 s).
    maxWaitTimeInMs: 250,
  };
}

/** Connects, subscribes and runs the batch loop with manual commits; a member that could not start is disconnected again. */
async function runBatchLoop(consumer: Consumer, options: GroupMemberOptions): Promise<void> {
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: subscribedTopics(options.definition), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: options.eachBatchOf(consumer),
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined); // the start failed already: that error is the one to tell
    throw error;
  }
}

/** Kafka's advice: heartbeats at most a third of the session timeout apart. */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.min(3000, Math.floor(sessionTimeoutMs / 3));
}

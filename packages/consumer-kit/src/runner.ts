import type { Knex } from "@hooklog/db";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { createBatchLoop } from "./batch-loop.ts";
import { createDecoder } from "./decode.ts";
import type { ConsumerDefinition } from "./definition.ts";
import { heartbeatIntervalMs, startGroupMember } from "./group-member.ts";
import { keyOrderReader } from "./key-order.ts";
import { startLagReporter } from "./lag-reporter.ts";
import { createConsumerMetrics, type ConsumerMetrics } from "./metrics.ts";
import { OutboxRelay } from "./outbox.ts";
import { createOutboxEmitter } from "./outbox-emitter.ts";
import { RegistryOutage } from "./registry-outage.ts";
import { createRouter } from "./router.ts";
import { declareTopics } from "./topology.ts";

export interface ConsumerRuntimeOptions {
  kafkaBrokers: readonly string[];
  schemaRegistryUrl: string;
  db: Knex;
  logger: Logger;
  metrics?: ConsumerMetrics;
  /** Partitions handled at once, each batch in its own transaction; default 3. */
  partitionsConsumedConcurrently?: number;
  /** How long the broker waits for a heartbeat before it drops the member; default 30 000 (the broker's minimum is 6 000). */
  sessionTimeoutMs?: number;
  /** Silence after which a member left out of its group is replaced; default the session timeout plus a rebalance (90 000). */
  stalledAfterMs?: number;
}

export interface RunningConsumer {
  metrics: ConsumerMetrics;
  /** Resolves once the consumer has joined its group and been assigned partitions. */
  joined: Promise<void>;
  /** How often the consumer has joined its group; each rebalance makes it join again. */
  groupJoins(): number;
  /** How often a group member that kafkajs left out of the group was replaced (member-watchdog.ts). */
  memberRestarts(): number;
  /** Drains the batch in hand, commits, relays the outbox, disconnects. */
  stop(): Promise<void>;
}

/** Starts a consumer: its topics declared, its domain schemas registered, its group joined. */
export async function startConsumer(definition: ConsumerDefinition, options: ConsumerRuntimeOptions): Promise<RunningConsumer> {
  const { db, logger } = options;
  const metrics = options.metrics ?? createConsumerMetrics();
  const kafka = createKafka({ clientId: `hooklog-${definition.name}`, brokers: options.kafkaBrokers, logger });
  const registry = new SchemaRegistryClient(options.schemaRegistryUrl);
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;

  await declareTopics(kafka, definition);
  const emitter = await createOutboxEmitter(registry, definition);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const relay = new OutboxRelay(db, producer, logger);
  relay.start();

  metrics.readKeyOrderWith(definition.name, keyOrderReader(db, definition.name));
  const outage = new RegistryOutage(logger, definition.name);
  const batches = createBatchLoop({
    definition,
    db,
    logger,
    metrics,
    emitter,
    relay,
    route: createRouter({ definition, producer, metrics, logger }),
    // A retried event is decoded by its original topic (a header), whose subscription names the record.
    decode: createDecoder(registry, definition.subscriptions),
    outage,
    heartbeatIntervalMs: heartbeatIntervalMs(sessionTimeoutMs),
  });
  const member = await startGroupMember({
    kafka,
    definition,
    metrics,
    logger,
    eachBatchOf: batches.eachBatchOf,
    onJoin: () => {
      outage.reset();
      batches.forgetOffsets();
    },
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
    sessionTimeoutMs,
    stalledAfterMs: options.stalledAfterMs,
  });
  const lag = startLagReporter({ kafka, definition, metrics, logger });

  return {
    metrics,
    joined: member.joined,
    groupJoins: member.groupJoins,
    memberRestarts: member.memberRestarts,
    async stop() {
      await member.stopReplacing();
      lag.stop();
      batches.cancelResumes();
      // Offsets waiting for their interval are committed; the batch in hand when disconnect begins is
      // not (kafkajs commits nothing once stopping): the next member reads it again, as duplicates.
      await batches.flushOffsets();
      await member.disconnect();
      await relay.stop();
      await producer.disconnect();
    },
  };
}

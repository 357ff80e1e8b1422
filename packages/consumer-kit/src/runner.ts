import type { Knex } from "@hooklog/db";
import {
  KEEP_FOREVER,
  MAX_RECORD_BYTES,
  SchemaRegistryClient,
  createIdempotentProducer,
  createKafka,
  createRecordCodec,
  ensureTopics,
  valueSubject,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type RecordCodec,
} from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { latestSchema } from "@hooklog/schemas";
import { injectTraceHeaders } from "@hooklog/telemetry";
import { RetryLaterError, type ConsumerDefinition } from "./definition.ts";
import { UndecodableMessageError, createDecoder } from "./decode.ts";
import { restartingOnFailure } from "./batch-failure.ts";
import { heartbeatWhile } from "./heartbeat.ts";
import { MemberWatchdog } from "./member-watchdog.ts";
import { createConsumerMetrics, type ConsumerMetrics } from "./metrics.ts";
import { OutboxRelay } from "./outbox.ts";
import { RegistryOutage, RegistryUnavailableError } from "./registry-outage.ts";
import { processBatch, type Emitter, type PendingEvent } from "./processing.ts";
import { HEADERS, WEBHOOK_EVENT_RECORD, deadLetterTopic, domainTopic, groupId, maxAttempts, retryDelayMs, retryTopic, retryTopics } from "./topology.ts";

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

// Retries and dead letters carry copies of any subscribed event, the largest included.
const LARGEST = { "max.message.bytes": String(MAX_RECORD_BYTES) };
const RETRY_CONFIGS = { "retention.ms": String(14 * 24 * 3600 * 1000), ...LARGEST };

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function plainHeaders(headers: IHeaders | undefined): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = header(headers, name);
    if (value !== undefined) plain[name] = value;
  }
  return plain;
}

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/** How long a join waits for the group's other members (kafkajs's default). */
const REBALANCE_TIMEOUT_MS = 60_000;

/** Starts a consumer: its topics declared, its domain schemas registered, its group joined. */
export async function startConsumer(definition: ConsumerDefinition, options: ConsumerRuntimeOptions): Promise<RunningConsumer> {
  const { db, logger } = options;
  const metrics = options.metrics ?? createConsumerMetrics();
  const kafka = createKafka({ clientId: `hooklog-${definition.name}`, brokers: options.kafkaBrokers, logger });
  const registry = new SchemaRegistryClient(options.schemaRegistryUrl);
  const retries = retryTopics(definition);
  const retryTopicSet = new Set(retries);
  const emits = (definition.emits ?? []).map((entry) => (typeof entry === "string" ? { record: entry, topic: domainTopic(entry) } : entry));

  // Domain topics this consumer reads may not exist yet (their producer has not started): declare them.
  // Webhook topics are the sources', declared by `npm start` or the deployment; a missing one is an error.
  const domainSubscriptions = definition.subscriptions.filter((subscription) => (subscription.record ?? WEBHOOK_EVENT_RECORD) !== WEBHOOK_EVENT_RECORD);
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();
  const missing = definition.subscriptions.filter((subscription) => !existing.has(subscription.topic) && !domainSubscriptions.includes(subscription));
  if (missing.length > 0) {
    throw new Error(`consumer ${definition.name}: topic(s) ${missing.map((subscription) => subscription.topic).join(", ")} do not exist. Declare the source in hooklog.config.yaml and run npm start (or create the topic).`);
  }
  await ensureTopics(kafka, [
    ...domainSubscriptions.map((subscription) => ({ name: subscription.topic, partitions: 6, configs: KEEP_FOREVER })),
    ...retries.map((name) => ({ name, partitions: 3, configs: RETRY_CONFIGS })),
    { name: deadLetterTopic(definition.name), partitions: 1, configs: { ...KEEP_FOREVER, ...LARGEST } },
    ...emits.map(({ topic }) => ({ name: topic, partitions: 6, configs: KEEP_FOREVER })),
  ]);
  const codecs = new Map<string, { topic: string; codec: RecordCodec<Record<string, unknown>> }>();
  for (const { record, topic } of emits) {
    codecs.set(record, { topic, codec: await createRecordCodec<Record<string, unknown>>(registry, valueSubject(topic), latestSchema(record).schema) });
  }

  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const relay = new OutboxRelay(db, producer, logger);
  relay.start();

  const emitter: Emitter = {
    async emit(trx, record, value, key, causation) {
      const target = codecs.get(record);
      if (!target) throw new Error(`consumer ${definition.name} emits ${record} but does not declare it in emits`);
      const headers = injectTraceHeaders({ "hooklog-causation-key": causation.key, "hooklog-record": record });
      await trx("outbox").insert({
        topic: target.topic,
        message_key: key ?? String(value.eventId),
        value: await target.codec.encode(value),
        headers: JSON.stringify(headers),
      });
    },
  };

  // A retried event is decoded by its original topic (a header), whose subscription names the record.
  const decode = createDecoder(registry, definition.subscriptions);
  const subscriptionOf = new Map(definition.subscriptions.map((subscription) => [subscription.topic, subscription]));

  async function route(message: KafkaMessage, sourceTopic: string, partition: number, attemptThatFailed: number, error: Error, eventKey: string): Promise<void> {
    const headers = plainHeaders(message.headers);
    const now = Date.now();
    const common = {
      ...headers,
      [HEADERS.attempt]: String(attemptThatFailed + 1),
      [HEADERS.error]: error.message.slice(0, 1000),
      [HEADERS.firstFailureAt]: headers[HEADERS.firstFailureAt] ?? new Date(now).toISOString(),
      [HEADERS.originalTopic]: headers[HEADERS.originalTopic] ?? sourceTopic,
      [HEADERS.originalPartition]: headers[HEADERS.originalPartition] ?? String(partition),
      [HEADERS.originalOffset]: headers[HEADERS.originalOffset] ?? message.offset,
      [HEADERS.eventKey]: eventKey,
    };
    // Errors say whether they can be retried (house style): `retryable: false` goes to the dead letters at once.
    const notRetryable = error instanceof UndecodableMessageError || (error as { retryable?: unknown }).retryable === false;
    const dead = notRetryable || attemptThatFailed >= maxAttempts(definition);
    const topic = dead ? deadLetterTopic(definition.name) : retryTopic(definition.name, Math.min(attemptThatFailed, retries.length));
    const outgoing = dead
      ? { ...common, [HEADERS.attempt]: String(attemptThatFailed) }
      : { ...common, [HEADERS.dueAt]: String(now + Math.max(retryDelayMs(definition, attemptThatFailed), error instanceof RetryLaterError ? error.retryAfterMs : 0)) };
    await producer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: outgoing }] });
    if (dead) metrics.deadLetters.inc({ consumer: definition.name, reason: error instanceof UndecodableMessageError ? "undecodable" : notRetryable ? "not_retryable" : "attempts_exhausted" });
    else metrics.retries.inc({ consumer: definition.name });
    logger.warn({ consumer: definition.name, eventKey, attempt: attemptThatFailed, to: topic }, dead ? "event dead-lettered" : "event scheduled for retry");
  }

  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  // Kafka's advice: heartbeats at most a third of the session timeout apart.
  const heartbeatInterval = Math.min(3000, Math.floor(sessionTimeout / 3));
  const outage = new RegistryOutage(logger, definition.name);
  let groupJoins = 0;
  let stopping = false;
  let resolveJoined: () => void = () => {};
  const joined = new Promise<void>((resolve) => {
    resolveJoined = resolve;
  });
  const resumeTimers = new Set<NodeJS.Timeout>();
  const watchdog = new MemberWatchdog({
    // A join may wait a whole rebalance for the other members; silence longer than a session and that is not a rebalance.
    stalledAfterMs: options.stalledAfterMs ?? sessionTimeout + REBALANCE_TIMEOUT_MS,
    checkEveryMs: 5000,
    onStall: (silentMs) =>
      logger.error({ consumer: definition.name, silentMs: Number.isFinite(silentMs) ? silentMs : null }, "consumer is out of its group (kafkajs crashed or went silent): starting a new member"),
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
    const consumer = kafka.consumer({
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
    });
    const { HEARTBEAT, FETCH_START, START_BATCH_PROCESS, GROUP_JOIN, CRASH } = consumer.events;
    for (const sign of [HEARTBEAT, FETCH_START, START_BATCH_PROCESS]) consumer.on(sign, () => watchdog.alive());
    consumer.on(GROUP_JOIN, () => {
      groupJoins += 1;
      watchdog.alive();
      outage.reset();
      resolveJoined();
    });
    consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart && !stopping) watchdog.crashed();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...definition.subscriptions.map((subscription) => subscription.topic), ...retries], fromBeginning: true });
      await runMember(consumer);
    } catch (error) {
      await consumer.disconnect().catch(() => undefined); // the start failed already: that error is the one to tell
      throw error;
    }
    return consumer;
  }

  const runMember = (consumer: Consumer): Promise<void> =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      // Handlers may call slow outside services: heartbeats go on through the batch (kafkajs sends at
      // most one per heartbeatInterval), so a long batch does not cost the group a rebalance.
      eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) =>
        restartingOnFailure(() => heartbeatWhile(heartbeat, { intervalMs: heartbeatInterval / 2, logger, consumer: definition.name }, async () => {
          const { topic, partition } = batch;
          const isRetry = retryTopicSet.has(topic);
          const taken: Array<{ message: KafkaMessage; pending: PendingEvent | undefined }> = [];
          const undecodable: Array<{ message: KafkaMessage; error: UndecodableMessageError }> = [];
          // Where this partition stops reading for now: a retry not yet due, or a message the registry could not resolve.
          let waitFrom: { offset: string; resumeAt: number } | undefined;

          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            const dueAt = isRetry ? Number(header(message.headers, HEADERS.dueAt) ?? 0) : 0;
            if (dueAt > Date.now()) {
              waitFrom = { offset: message.offset, resumeAt: dueAt };
              break;
            }
            try {
              const inbound = await decode(isRetry ? (header(message.headers, HEADERS.originalTopic) ?? topic) : topic, message.value);
              outage.decoded(`${topic}/${partition}`);
              const types = subscriptionOf.get(inbound.topic)?.types;
              const wanted = !types || types.includes(inbound.type);
              const attempt = isRetry ? Number(header(message.headers, HEADERS.attempt) ?? 2) : 1;
              taken.push({ message, pending: wanted ? { inbound, attempt, headers: message.headers ?? {} } : undefined });
            } catch (error) {
              if (error instanceof RegistryUnavailableError) {
                // The message is fine and decodes once the registry answers: never a dead letter. What came
                // before it is processed and committed; the partition reads it again after a backoff.
                waitFrom = { offset: message.offset, resumeAt: Date.now() + outage.failed(`${topic}/${partition}`, error) };
                break;
              }
              if (!(error instanceof UndecodableMessageError)) throw error;
              undecodable.push({ message, error });
              taken.push({ message, pending: undefined });
            }
          }

          const pendings = taken.flatMap((entry) => (entry.pending ? [{ message: entry.message, pending: entry.pending }] : []));
          const results = pendings.length > 0 ? await processBatch(db, definition, pendings.map((entry) => entry.pending), { logger, metrics, emitter }) : [];
          if (emits.length > 0 && results.some((result) => result.status === "processed")) relay.poke();

          for (const { message, error } of undecodable) await route(message, topic, partition, 1, error, "undecodable");
          for (const [index, result] of results.entries()) {
            const entry = pendings[index];
            if (entry && result.status === "failed") await route(entry.message, topic, partition, entry.pending.attempt, result.error, entry.pending.inbound.key);
          }

          const last = taken.at(-1);
          if (last) {
            resolveOffset(last.message.offset);
            await consumer.commitOffsets([{ topic, partition, offset: nextOffset(last.message.offset) }]);
          }
          await heartbeat();

          if (waitFrom) {
            // A message that must wait holds up no other partition: only this one waits.
            const resume = pause();
            consumer.seek({ topic, partition, offset: waitFrom.offset });
            const timer = setTimeout(() => {
              resumeTimers.delete(timer);
              resume();
            }, Math.max(0, waitFrom.resumeAt - Date.now()));
            resumeTimers.add(timer);
          }
        }), { logger, consumer: definition.name }),
    });

  let member = await startMember();
  watchdog.start();

  const lagTimer = setInterval(() => void reportLag(), 15_000);
  lagTimer.unref();
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

  return {
    metrics,
    joined,
    groupJoins: () => groupJoins,
    memberRestarts: () => watchdog.replacements(),
    async stop() {
      stopping = true;
      await watchdog.stop();
      clearInterval(lagTimer);
      for (const timer of resumeTimers) clearTimeout(timer);
      await member.disconnect();
      await relay.stop();
      await producer.disconnect();
    },
  };
}

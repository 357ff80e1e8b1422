// Reads webhook envelopes from source topics for `listen` and `tail`, from a point in the log, in
// order per partition. The reader keeps its own position: when Kafka fails under it (a broker
// restarting, a network cut), it says so, waits, and reads on from the message after the last one
// it handled, in a fresh consumer group, for as long as it takes. It never stops in silence.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { KafkaUnavailableError, SchemaRegistryClient, createKafka, type Consumer, type Kafka } from "@hooklog/kafka";
import type { WebhookEvent } from "@hooklog/schemas";
import { MemberWatchdog } from "@hooklog/consumer-kit";

export type { StartPoint } from "./start-point.ts";
import type { StartPoint } from "./start-point.ts";

export interface LoggedEvent {
  topic: string;
  partition: number;
  offset: string;
  event: WebhookEvent;
}

export interface LogReaderHandlers {
  /** Resolves once the event is handled; the reader moves past it only then. `heartbeat` keeps a long handler's group membership. */
  event(logged: LoggedEvent, heartbeat: () => Promise<void>): Promise<void>;
  /** Bytes that are not an envelope (no registry schema matches): passed over, and said so. */
  skipped(position: { topic: string; partition: number; offset: string }, reason: string): void;
  /** Kafka failed under the reader, or came back. */
  status(text: string): void;
  /** The start is fixed: whatever is written from now on will be read. */
  ready?(): void;
}

export interface LogReaderOptions {
  brokers: readonly string[];
  registryUrl: string;
  topics: readonly string[];
  from: StartPoint;
  /** Keep reading new events; otherwise stop at the end the log had when the read began. */
  follow: boolean;
  /** Names the reader's consumer groups (hooklog-cli.<purpose>.…). */
  purpose: string;
}

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const BACKOFF_MS = [1000, 2000, 5000, 10_000];
/** A member that shows no heartbeat, fetch, batch or join this long is given up (a session and a rebalance, as the kit's). */
const STALLED_AFTER_MS = 90_000;
/** Without --follow, consecutive failed reads (with nothing handled between them) before the read gives up. */
const GIVE_UP_AFTER_FAILURES = 4;

type ReadOutcome = { kind: "done" } | { kind: "failed"; reason: string; handled: boolean };

export class LogReader {
  readonly #options: LogReaderOptions;
  readonly #kafka: Kafka;
  readonly #registry: SchemaRegistryClient;
  /** The next offset to hand over, per partition. */
  readonly #next = new Map<string, bigint>();
  /** Without follow: each partition's end when the read began, until the reader passes it. */
  readonly #unread = new Map<string, bigint>();
  readonly #run = randomBytes(4).toString("hex");

  constructor(options: LogReaderOptions) {
    this.#options = options;
    this.#kafka = createKafka({ clientId: `hooklog-cli-${options.purpose}`, brokers: options.brokers, retries: 3 });
    this.#registry = new SchemaRegistryClient(options.registryUrl);
  }

  /** Reads until `signal` aborts, or, without follow, until the end the log had at the start. */
  async run(handlers: LogReaderHandlers, signal: AbortSignal): Promise<void> {
    await this.#startPositions();
    handlers.ready?.();
    let failures = 0;
    for (let generation = 1; !signal.aborted && !this.#finished(); generation += 1) {
      const outcome = await this.#readOnce(generation, handlers, signal);
      if (outcome.kind !== "failed") break;
      failures = outcome.handled ? 1 : failures + 1;
      // A read to the end (tail, a script) fails rather than wait for ever; a follower waits as long as it takes.
      if (!this.#options.follow && failures >= GIVE_UP_AFTER_FAILURES)
        throw new KafkaUnavailableError("KAFKA_UNAVAILABLE", `the read failed ${failures} times in a row, the last time: ${outcome.reason}`, true);
      const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1] ?? 10_000;
      handlers.status(`Kafka or the schema registry failed under the reader (${outcome.reason}); reading on from where it stopped in ${wait / 1000} s`);
      // Aborted, the sleep rejects: the loop's condition then ends the read.
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  #finished(): boolean {
    return !this.#options.follow && this.#unread.size === 0;
  }

  async #startPositions(): Promise<void> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      for (const topic of this.#options.topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const starts =
          this.#options.from.kind === "time"
            ? await admin.fetchTopicOffsetsByTimestamp(topic, this.#options.from.at.getTime())
            : ends.map((end) => ({ partition: end.partition, offset: this.#options.from.kind === "beginning" ? end.low : end.high }));
        for (const end of ends) {
          const key = partitionKey(topic, end.partition);
          // By time, a partition with nothing at or after it answers -1 or its end: nothing to read there.
          const start = starts.find((entry) => entry.partition === end.partition)?.offset ?? end.high;
          const next = BigInt(start) < 0n ? BigInt(end.high) : BigInt(start);
          this.#next.set(key, next);
          if (!this.#options.follow && next < BigInt(end.high)) this.#unread.set(key, BigInt(end.high));
        }
      }
    } catch (error) {
      throw new KafkaUnavailableError("KAFKA_UNAVAILABLE", `cannot read the topics ${this.#options.topics.join(", ")}: ${(error as Error).message}`, true, {
        cause: error,
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** One consumer group's read, from the positions held; ends when it is done, aborted, or Kafka fails under it. */
  async #readOnce(generation: number, handlers: LogReaderHandlers, signal: AbortSignal): Promise<ReadOutcome> {
    const groupId = `hooklog-cli.${this.#options.purpose}.${this.#run}.${generation}`;
    let handled = false;
    let consumer: Consumer | undefined;
    let watchdog: MemberWatchdog | undefined;
    let onAbort: (() => void) | undefined;
    try {
      consumer = this.#kafka.consumer({
        groupId,
        // A crash is ours to handle (read on from our own positions), not kafkajs' to restart in its own way.
        retry: { retries: 3, restartOnFailure: async () => false },
        maxWaitTimeInMs: 500,
        sessionTimeout: 30_000,
        heartbeatInterval: 3000,
        maxBytesPerPartition: 32 * 1024 * 1024,
        maxBytes: 64 * 1024 * 1024,
      });
      const ended = Promise.withResolvers<ReadOutcome>();
      const { CRASH, END_BATCH_PROCESS, FETCH_START, GROUP_JOIN, HEARTBEAT, START_BATCH_PROCESS } = consumer.events;
      consumer.on(CRASH, ({ payload }) => ended.resolve({ kind: "failed", reason: payload.error.message, handled }));
      consumer.on(END_BATCH_PROCESS, ({ payload }) => {
        const key = partitionKey(payload.topic, payload.partition);
        const end = this.#unread.get(key);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) this.#unread.delete(key);
        if (this.#finished()) ended.resolve({ kind: "done" });
      });
      onAbort = () => ended.resolve({ kind: "done" });
      signal.addEventListener("abort", onAbort, { once: true });
      // kafkajs can also leave a member out of its group without a crash and go silent (the kit's
      // member watchdog tells the story): silence that long counts as a failure, read on afresh.
      watchdog = new MemberWatchdog({
        stalledAfterMs: STALLED_AFTER_MS,
        checkEveryMs: 5000,
        replace: async () => ended.resolve({ kind: "failed", reason: `no sign of life from Kafka for ${STALLED_AFTER_MS / 1000} s`, handled }),
        onStall: () => undefined,
        onReplaceFailed: () => undefined,
      });
      for (const sign of [FETCH_START, GROUP_JOIN, HEARTBEAT, START_BATCH_PROCESS]) consumer.on(sign, () => watchdog?.alive());
      watchdog.start();
      await consumer.connect();
      // From the beginning only should a seek be lost (its commit failing as Kafka falls over): the
      // reader then reads again what it passed, and hands none of it over, rather than skip to the end.
      await consumer.subscribe({ topics: [...this.#options.topics], fromBeginning: true });
      if (generation > 1) handlers.status("Kafka answers again: reading on");
      // Offsets are committed as events are handled: should the group rejoin, it resumes there rather
      // than from where this generation began (what was handled is passed over either way).
      const running = consumer.run({
        eachMessage: async ({ topic, partition, message, heartbeat }) => {
          const key = partitionKey(topic, partition);
          const offset = BigInt(message.offset);
          // A group that rebalanced hands over from its committed offsets: what was handled already is passed.
          if (offset < (this.#next.get(key) ?? 0n) || signal.aborted) return;
          const event = await this.#decode(topic, partition, message.offset, message.value, handlers);
          if (event) await handlers.event({ topic, partition, offset: message.offset, event }, heartbeat);
          this.#next.set(key, offset + 1n);
          handled = true;
          const end = this.#unread.get(key);
          if (end !== undefined && offset + 1n >= end) this.#unread.delete(key);
        },
      });
      // A fresh group starts where the reader stands. Seeks made before the first fetch are applied
      // by it, and no message before them is handed over (kafkajs' own setOffsets works this way;
      // setOffsets itself costs a temporary member and a five-second fetch each time).
      for (const [key, offset] of this.#next) {
        const [topic = "", partition = "0"] = key.split("\u0000");
        consumer.seek({ topic, partition: Number(partition), offset: String(offset) });
      }
      // Not awaited: it resolves only once the group is joined, and Ctrl-C must be heard before that.
      running.catch((error: unknown) => ended.resolve({ kind: "failed", reason: (error as Error).message, handled }));
      return await ended.promise;
    } catch (error) {
      return { kind: "failed", reason: (error as Error).message, handled };
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
      await watchdog?.stop();
      await consumer?.disconnect().catch(() => undefined); // Kafka may be the reason we stop: nothing more to do with this consumer.
      await this.#forgetGroup(groupId);
    }
  }

  async #forgetGroup(groupId: string): Promise<void> {
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch {
      // An empty group Kafka could not delete now expires on its own (offsets.retention.minutes).
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** The envelope; undefined for bytes that can never be one; throws while the registry cannot be asked (the read is tried again). */
  async #decode(topic: string, partition: number, offset: string, value: Buffer | null, handlers: LogReaderHandlers): Promise<WebhookEvent | undefined> {
    if (!value) {
      handlers.skipped({ topic, partition, offset }, "a message without a value");
      return undefined;
    }
    try {
      return (await this.#registry.decode(value)) as WebhookEvent;
    } catch (error) {
      if (error instanceof KafkaUnavailableError) throw error;
      handlers.skipped({ topic, partition, offset }, `not a Hooklog envelope: ${(error as Error).message}`);
      return undefined;
    }
  }
}

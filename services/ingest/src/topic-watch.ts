import { topicMaxMessageBytes, type Admin } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import type { SourceConfig } from "@hooklog/sources";

/** How often topics known missing are looked for again: also the Retry-After of a topic_missing answer. */
export const TOPIC_RECHECK_MS = 5000;

/**
 * Which source topics Kafka lacks, so that their requests are answered at once instead of waiting
 * out the producer's retries. Topics are provisioned apart from ingest (`npm start`, or the cluster's
 * own tooling) and may lag a new source: while one is missing it is looked for every
 * TOPIC_RECHECK_MS, and its source works again as soon as it exists, without a restart.
 */
export class TopicWatch {
  readonly #admin: Admin;
  readonly #logger: Logger;
  readonly #sourcesByTopic = new Map<string, SourceConfig[]>();
  readonly #missing = new Set<string>();
  /** Each source topic's max.message.bytes, as last read from Kafka. */
  readonly #limits = new Map<string, number>();
  #refreshing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(admin: Admin, sources: readonly SourceConfig[], logger: Logger) {
    this.#admin = admin;
    this.#logger = logger;
    for (const source of sources) this.#sourcesByTopic.set(source.topic, [...(this.#sourcesByTopic.get(source.topic) ?? []), source]);
  }

  isMissing(topic: string): boolean {
    return this.#missing.has(topic);
  }

  /** The largest record `topic` takes, as last read; undefined until read. */
  maxMessageBytes(topic: string): number | undefined {
    return this.#limits.get(topic);
  }

  /** The source topics known missing, sorted. */
  missing(): string[] {
    return [...this.#missing].sort();
  }

  /**
   * Asks Kafka which source topics exist with a leader for every partition (a topic just created has
   * none for a moment, and a produce to it fails as if it did not exist). Concurrent calls share one
   * request; rejects if Kafka does not answer, leaving what is known as it was.
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /**
   * A produce of `topic` failed with UNKNOWN_TOPIC_OR_PARTITION. Its batch may have held other
   * topics' events and the error does not say which topic was unknown, so Kafka's own list decides.
   * False when Kafka does not answer that either: the caller's answer is then "Kafka unavailable".
   */
  async confirmMissing(topic: string): Promise<boolean> {
    try {
      await this.refresh();
    } catch (error) {
      this.#logger.warn({ err: error, topic }, "a produce found a topic unknown, and Kafka's topic list could not be read to confirm it");
      return false;
    }
    return this.isMissing(topic);
  }

  stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    // Its outcome is reported to whoever asked for it; stop only waits so the admin can disconnect.
    return this.#refreshing?.catch(() => undefined) ?? Promise.resolve();
  }

  /**
   * Reads every existing source topic's max.message.bytes: at start, after Kafka refused a record
   * for its size, and while a topic takes less than its source accepts (an operator lowered it).
   */
  async refreshLimits(): Promise<void> {
    const present = [...this.#sourcesByTopic.keys()].filter((topic) => !this.#missing.has(topic));
    const limits = await topicMaxMessageBytes(this.#admin, present);
    for (const [topic, limit] of limits) {
      const before = this.#limits.get(topic);
      this.#limits.set(topic, limit);
      if (before === limit) continue;
      for (const source of this.#sourcesByTopic.get(topic) ?? []) {
        if (limit < source.maxBodyBytes) {
          this.#logger.error(
            { source: source.name, topic, maxMessageBytes: limit, maxBodyBytes: source.maxBodyBytes },
            `topic ${topic} takes records up to ${limit} bytes, less than source ${source.name} accepts (${source.maxBodyBytes}): larger events are answered 413 record_too_large. ` +
              `Raise it: kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config max.message.bytes=${source.maxBodyBytes + 65536}`,
          );
        } else if (before !== undefined) {
          this.#logger.info({ source: source.name, topic, maxMessageBytes: limit }, `topic ${topic} takes records up to ${limit} bytes now`);
        }
      }
    }
    this.#scheduleRecheck();
  }

  async #refresh(): Promise<void> {
    const { topics } = await this.#admin.fetchTopicMetadata();
    const serving = new Set(
      topics.filter((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0)).map((topic) => topic.name),
    );
    for (const [topic, sources] of this.#sourcesByTopic) {
      if (serving.has(topic)) this.#found(topic, sources);
      else this.#lost(topic, sources);
    }
    this.#scheduleRecheck();
  }

  /** A topic that takes less than one of its sources accepts. */
  #isShort(topic: string): boolean {
    const limit = this.#limits.get(topic);
    return limit !== undefined && (this.#sourcesByTopic.get(topic) ?? []).some((source) => limit < source.maxBodyBytes);
  }

  #lost(topic: string, sources: readonly SourceConfig[]): void {
    if (this.#missing.has(topic)) return;
    this.#missing.add(topic);
    for (const source of sources) {
      this.#logger.error(
        { source: source.name, topic },
        `topic ${topic} of source ${source.name} does not exist: its webhooks are answered 503 topic_missing until it does. ` +
          `Create it: \`npm start\` creates the topics of hooklog.config.yaml, or use the cluster's own tooling ` +
          `(kafka-topics.sh --create --topic ${topic} --partitions ${source.partitions}).`,
      );
    }
  }

  #found(topic: string, sources: readonly SourceConfig[]): void {
    if (!this.#missing.delete(topic)) return;
    for (const source of sources)
      this.#logger.info({ source: source.name, topic }, `topic ${topic} exists now: source ${source.name} is accepting webhooks again`);
  }

  #scheduleRecheck(): void {
    const short = [...this.#limits.keys()].some((topic) => this.#isShort(topic));
    if ((this.#missing.size === 0 && !short) || this.#stopped) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    } else {
      this.#timer ??= setInterval(() => {
        const hadMissing = this.#missing.size > 0;
        this.refresh()
          // A topic that has just appeared has its limit read too.
          .then(() => (hadMissing || [...this.#limits.keys()].some((topic) => this.#isShort(topic)) ? this.refreshLimits() : undefined))
          .catch((error: unknown) => this.#logger.warn({ err: error }, "looking at the source topics failed; will retry"));
      }, TOPIC_RECHECK_MS).unref();
    }
  }
}

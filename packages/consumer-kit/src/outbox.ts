import type { Knex } from "@hooklog/db";
import type { LogProducer } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";

/**
 * Relays outbox rows to Kafka. Domain events are written in the handler's Postgres transaction (so
 * they exist exactly when the handler's effects do) and sent from here, at least once: a crash
 * between send and mark re-sends, and consumers deduplicate by eventId. Several relays may run:
 * rows are claimed with FOR UPDATE SKIP LOCKED.
 */
export class OutboxRelay {
  readonly #db: Knex;
  readonly #producer: LogProducer;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(db: Knex, producer: LogProducer, logger: Logger, options: { intervalMs?: number } = {}) {
    this.#db = db;
    this.#producer = producer;
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 250;
  }

  start(): void {
    this.#timer = setInterval(() => this.poke(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Relays now (after a commit that emitted), or right after the relay under way. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .catch((error: unknown) => this.#logger.warn({ err: error }, "outbox relay failed; retrying on the next tick"))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
    await this.#drain();
  }

  async #drain(): Promise<void> {
    while ((await this.relayOnce()) > 0);
  }

  /** Sends up to `limit` unsent rows; returns how many. */
  async relayOnce(limit = 500): Promise<number> {
    return this.#db.transaction(async (trx) => {
      const rows = (await trx("outbox").whereNull("sent_at").orderBy("id").limit(limit).forUpdate().skipLocked()) as Array<{
        id: string;
        topic: string;
        message_key: string;
        value: Buffer;
        headers: Record<string, string>;
      }>;
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, typeof rows>();
      for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
      await this.#producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, batch]) => ({
          topic,
          messages: batch.map((row) => ({ key: row.message_key, value: row.value, headers: row.headers })),
        })),
      });
      await trx("outbox")
        .whereIn(
          "id",
          rows.map((row) => row.id),
        )
        .update({ sent_at: trx.fn.now() });
      return rows.length;
    });
  }
}

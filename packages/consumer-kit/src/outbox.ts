import { lockForTransaction, tryLockForTransaction, type Knex } from "@hooklog/db";
import type { LogProducer } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";

/**
 * The transaction-level advisory lock a relay holds while it claims and sends rows: one relay sends
 * at a time, across every instance and service on this database. Two relays claiming neighbouring
 * ranges of rows at once could send them in either order, a key's later events before its earlier
 * ones. Distinct from @hooklog/db's migration lock (7_432_001).
 */
const RELAY_LOCK_KEY = 7_432_002n;

/**
 * Relays outbox rows to Kafka. Domain events are written in the handler's Postgres transaction (so
 * they exist exactly when the handler's effects do) and sent from here, at least once: a crash
 * between send and mark re-sends, and consumers deduplicate by eventId. Several relays may run; one
 * sends at a time (RELAY_LOCK_KEY), in id order, so one key's rows reach Kafka in the order written.
 *
 * Ids are taken when rows are written, not when they commit: a transaction holding id 10 may commit
 * after one holding id 11, and 11 is then sent first. That never reorders what one key's handlers
 * wrote in turn: one partition's events are handled one batch after another, each committed before
 * the next begins, so a later row of a key takes its id after the earlier row is committed and seen.
 * Rows of one key written by transactions running at the same time (two partitions emitting the same
 * key) have no order between them to keep.
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

  /**
   * Stops relaying once every row written before the stop is sent, waiting its turn behind another
   * relay rather than leaving rows behind. Rows other instances write after it are theirs to send: a
   * busy outbox must not keep a stopping instance past its grace period.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
    const [last] = (await this.#db("outbox").max({ id: "id" })) as Array<{ id: string | null }>;
    if (last?.id == null) return;
    while ((await this.#relay(500, "wait", last.id)) > 0);
  }

  // A relay that finds another sending stops here: that relay's next round, or the next tick, sends the rest.
  async #drain(): Promise<void> {
    while ((await this.relayOnce()) > 0);
  }

  /** Sends up to `limit` unsent rows in id order; returns how many (0 while another relay is sending). */
  relayOnce(limit = 500): Promise<number> {
    return this.#relay(limit, "try");
  }

  async #relay(limit: number, lock: "try" | "wait", upToId?: string): Promise<number> {
    return this.#db.transaction(async (trx) => {
      if (lock === "wait") await lockForTransaction(trx, RELAY_LOCK_KEY);
      else if (!(await tryLockForTransaction(trx, RELAY_LOCK_KEY))) return 0;
      // FOR UPDATE without SKIP LOCKED: a relay of an older version (no advisory lock) holding rows is
      // waited for, not overtaken, while both run during a deploy.
      const unsent = trx("outbox").whereNull("sent_at");
      if (upToId !== undefined) unsent.where("id", "<=", upToId);
      const rows = (await unsent.orderBy("id").limit(limit).forUpdate()) as Array<{
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

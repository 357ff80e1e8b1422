import type { Knex } from "@hooklog/db";
import { type KafkaMessage, plainHeaders } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import type { ConsumerMetrics, KeyOrderReading } from "./metrics.ts";
import type { EventResult, PendingEvent } from "./processing.ts";
import type { NextStep } from "./router.ts";
import { within } from "./within.ts";

/** A message as the router needs it: a parked event that failed once it was applied is routed as its source message. */
export type RoutableMessage = Pick<KafkaMessage, "key" | "value" | "headers" | "offset">;

/** An event taken out of the parked events that failed: it now holds its key and goes to the first retry. */
export interface UnparkedFailure {
  message: RoutableMessage;
  topic: string;
  partition: number;
  eventKey: string;
  error: Error;
  /** Where it goes, as decided when it failed (and recorded so). */
  step: NextStep;
}

/** A row of parked_events (migrations/0008_key_order.ts). */
export interface ParkedRow {
  id: string;
  event_key: string;
  topic: string;
  partition: number;
  offset: string;
  value: Buffer;
  headers: Record<string, string>;
  parked_at: Date;
}

/** Turns a parked event back into one the batch can apply: decoded, with its handler; undefined when none is declared. */
export type Revive = (row: ParkedRow, messageKey: string) => Promise<PendingEvent | undefined>;

/** A parked event as the Kafka message it was read as. */
export function parkedMessage(row: ParkedRow, messageKey: string): RoutableMessage {
  return { key: Buffer.from(messageKey), value: row.value, headers: row.headers, offset: row.offset };
}

export type ApplyOne = (pending: PendingEvent) => Promise<EventResult>;

export interface KeyOrderDeps {
  logger: Logger;
  metrics: ConsumerMetrics;
  revive: Revive;
  /** The result for a parked event that cannot be decoded now: a failure, recorded as one. */
  unrevivable(row: ParkedRow, error: Error): EventResult;
}

/**
 * Order per key within one batch's transaction. A key is held while one of its events waits in a
 * retry topic or the dead letters (`held_keys`); an event of a held key read from a subscribed topic
 * is parked (`parked_events`) instead of applied. When the holding event is applied, the key's parked
 * events are applied after it in the same transaction, oldest first; one that fails holds the key in
 * its turn. The holds on the batch's keys are locked (FOR UPDATE, in key order) before any handler
 * runs, so two batches with a held key in common, a source partition's and a retry partition's, take
 * turns: the later one parks behind the hold as the earlier one left it, or finds the key released
 * and its parked events applied. Taken before the handlers, the lock never waits while a handler's
 * own locks are held.
 */
export class BatchKeyOrder {
  readonly unparkedFailures: UnparkedFailure[] = [];
  readonly #trx: Knex.Transaction;
  readonly #consumer: string;
  readonly #holds: Map<string, string>;
  readonly #deps: KeyOrderDeps;
  readonly #toldParked = new Set<string>();

  private constructor(trx: Knex.Transaction, consumer: string, holds: Map<string, string>, deps: KeyOrderDeps) {
    this.#trx = trx;
    this.#consumer = consumer;
    this.#holds = holds;
    this.#deps = deps;
  }

  static async begin(trx: Knex.Transaction, consumer: string, events: readonly PendingEvent[], deps: KeyOrderDeps): Promise<BatchKeyOrder> {
    return new BatchKeyOrder(trx, consumer, await BatchKeyOrder.holds(trx, consumer, events), deps);
  }

  /** The holds on the batch's keys (key → holding event), locked (FOR UPDATE, in key order) until the batch commits. */
  static async holds(trx: Knex.Transaction, consumer: string, events: readonly PendingEvent[]): Promise<Map<string, string>> {
    const keys = [...new Set(events.flatMap((event) => (event.messageKey === undefined ? [] : [event.messageKey])))];
    if (keys.length === 0) return new Map();
    const rows = (await trx("held_keys")
      .where({ consumer })
      .whereIn("message_key", keys)
      .orderBy("message_key")
      .forUpdate()
      .select("message_key", "held_by")) as Array<{ message_key: string; held_by: string }>;
    return new Map(rows.map((row) => [row.message_key, row.held_by]));
  }

  /** An event read from a subscribed topic waits while another event holds its key; a retried event never waits. */
  mustWait(pending: PendingEvent): boolean {
    if (pending.messageKey === undefined || pending.source.retried) return false;
    const holder = this.#holds.get(pending.messageKey);
    return holder !== undefined && holder !== pending.inbound.key;
  }

  async park(pending: PendingEvent): Promise<EventResult> {
    const messageKey = pending.messageKey as string;
    const { source } = pending;
    const inserted = await this.#trx("parked_events")
      .insert({
        consumer: this.#consumer,
        message_key: messageKey,
        event_key: pending.inbound.key,
        topic: pending.inbound.topic,
        partition: source.partition,
        offset: source.message.offset,
        value: source.message.value,
        headers: JSON.stringify(plainHeaders(source.message.headers)),
      })
      .onConflict(["consumer", "event_key"])
      .ignore()
      .returning("id");
    if (inserted.length > 0) this.#deps.metrics.parked.inc({ consumer: this.#consumer });
    if (!this.#toldParked.has(messageKey)) {
      this.#toldParked.add(messageKey);
      this.#deps.logger.info(
        { consumer: this.#consumer, messageKey, eventKey: pending.inbound.key, heldBy: this.#holds.get(messageKey) },
        "event waits behind a failed event of its key",
      );
    }
    return { status: "parked" };
  }

  /**
   * After an event was applied or failed: a failure holds its key (or, when another event took the
   * key meanwhile, the event is parked behind that one instead of retried); the holding event applied
   * releases its key and applies what was parked behind it.
   */
  async settle(pending: PendingEvent, result: EventResult, applyOne: ApplyOne): Promise<EventResult> {
    const messageKey = pending.messageKey;
    if (messageKey === undefined) return result;
    if (result.status === "failed") {
      const holder = await this.#hold(messageKey, pending.inbound.key);
      return holder === pending.inbound.key || pending.source.retried ? result : this.park(pending);
    }
    if (this.#holds.get(messageKey) !== pending.inbound.key) return result;
    await this.#release(messageKey, pending.inbound.key, applyOne);
    return result;
  }

  /** Holds the key for `eventKey` unless another event holds it already; returns the holder. */
  async #hold(messageKey: string, eventKey: string): Promise<string> {
    const known = this.#holds.get(messageKey);
    if (known !== undefined) return known;
    await this.#trx("held_keys")
      .insert({ consumer: this.#consumer, message_key: messageKey, held_by: eventKey })
      .onConflict(["consumer", "message_key"])
      .ignore();
    const row = (await this.#trx("held_keys").where({ consumer: this.#consumer, message_key: messageKey }).forUpdate().first("held_by")) as
      | { held_by: string }
      | undefined;
    const holder = row?.held_by ?? eventKey;
    this.#holds.set(messageKey, holder);
    return holder;
  }

  /**
   * Applies the events parked behind `heldBy`, oldest first, then frees the key. One that fails takes
   * the hold (the row is updated, never deleted and made again, so a batch waiting on its lock finds
   * the new holder) and the events after it stay parked.
   */
  async #release(messageKey: string, heldBy: string, applyOne: ApplyOne): Promise<void> {
    const trx = this.#trx;
    const where = { consumer: this.#consumer, message_key: messageKey };
    const parked = (await trx("parked_events").where(where).orderBy("id")) as ParkedRow[];
    let applied = 0;
    for (const [index, row] of parked.entries()) {
      await trx("parked_events").where({ id: row.id }).delete();
      this.#deps.metrics.parkedSeconds.observe({ consumer: this.#consumer }, (Date.now() - row.parked_at.getTime()) / 1000);
      const result = await this.#applyParked(row, messageKey, applyOne);
      if (result.status !== "failed") {
        applied += 1;
        continue;
      }
      await trx("held_keys").where(where).update({ held_by: row.event_key, held_since: trx.fn.now() });
      this.#holds.set(messageKey, row.event_key);
      this.unparkedFailures.push({
        message: parkedMessage(row, messageKey),
        topic: row.topic,
        partition: row.partition,
        eventKey: row.event_key,
        error: result.error,
        step: result.step,
      });
      this.#deps.logger.warn(
        { consumer: this.#consumer, messageKey, releasedBy: heldBy, eventKey: row.event_key, applied, stillParked: parked.length - index - 1 },
        "an event parked behind a failed event failed in turn: the key stays held, by it",
      );
      return;
    }
    const released = (await trx("held_keys")
      .where({ ...where, held_by: heldBy })
      .delete()
      .returning("held_since")) as Array<{ held_since: Date }>;
    this.#holds.delete(messageKey);
    const heldSince = released[0]?.held_since ?? new Date();
    this.#deps.logger.info(
      { consumer: this.#consumer, messageKey, releasedBy: heldBy, heldForMs: Date.now() - heldSince.getTime(), applied },
      "key released: the events parked behind it were applied in order",
    );
  }

  /** A parked event that cannot be decoded now (its schema gone, the registry away) fails like any other: retried or dead-lettered. */
  async #applyParked(row: ParkedRow, messageKey: string, applyOne: ApplyOne): Promise<EventResult> {
    let revived: PendingEvent | undefined;
    try {
      revived = await this.#deps.revive(row, messageKey);
    } catch (error) {
      return this.#deps.unrevivable(row, error instanceof Error ? error : new Error(String(error)));
    }
    return revived ? applyOne(revived) : { status: "duplicate" };
  }
}

/**
 * The consumer's held keys and parked events as Postgres has them, for the gauges read when metrics
 * are scraped: one read serves the three gauges of a scrape (prom-client collects them at once), and a read that fails or takes longer
 * than 2 s gives the last figures, so /metrics answers while Postgres is in trouble.
 */
export function keyOrderReader(db: Knex, consumer: string): () => Promise<KeyOrderReading> {
  let last: KeyOrderReading = { heldKeys: 0, parkedEvents: 0, oldestParkedSeconds: 0 };
  let reading: Promise<KeyOrderReading> | undefined;
  return () => {
    reading ??= within(readKeyOrder(db, consumer), 2000, () => new Error("Postgres did not answer within 2000 ms"))
      .then((figures) => {
        last = figures;
        return figures;
      })
      .catch(() => last)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}

async function readKeyOrder(db: Knex, consumer: string): Promise<KeyOrderReading> {
  const [held] = (await db("held_keys").where({ consumer }).count({ count: "*" })) as Array<{ count: string | number }>;
  const [parked] = (await db("parked_events").where({ consumer }).select(db.raw("count(*) as count, min(parked_at) as oldest"))) as Array<{
    count: string | number;
    oldest: Date | null;
  }>;
  return {
    heldKeys: Number(held?.count ?? 0),
    parkedEvents: Number(parked?.count ?? 0),
    oldestParkedSeconds: parked?.oldest ? (Date.now() - parked.oldest.getTime()) / 1000 : 0,
  };
}

import type { Knex } from "@hooklog/db";
import { GroupCommit } from "./group-commit.ts";

export interface AcceptedEvent {
  source: string;
  providerEventId: string;
  eventId: string;
  topic: string;
  origin: string;
}

const key = (source: string, providerEventId: string): string => `${source}\u0000${providerEventId}`;

/**
 * Which (source, provider event id) pairs are already in the log, kept in Postgres so every ingest
 * instance and every restart sees them. Rows are written only after Kafka acknowledged the event:
 * a crash in between lets a duplicate through (consumers are idempotent) but never hides an event.
 */
export class DedupLedger {
  readonly #db: Knex;
  readonly #retentionHours: number;
  readonly #lookups: GroupCommit<{ source: string; providerEventId: string }, boolean>;
  readonly #writes: GroupCommit<AcceptedEvent, void>;

  constructor(db: Knex, retentionHours: number) {
    this.#db = db;
    this.#retentionHours = retentionHours;
    // Lookups and writes are batched like produce requests, so Postgres sees one query per batch.
    this.#lookups = new GroupCommit({ maxBatch: 500, maxInFlight: 1, commit: (pairs) => this.#findAccepted(pairs) });
    this.#writes = new GroupCommit({ maxBatch: 500, maxInFlight: 1, commit: (rows) => this.#insert(rows) });
  }

  isAccepted(source: string, providerEventId: string): Promise<boolean> {
    return this.#lookups.submit({ source, providerEventId });
  }

  record(event: AcceptedEvent): Promise<void> {
    return this.#writes.submit(event);
  }

  /** Forgets ids older than the retention window; run periodically. */
  async purge(): Promise<number> {
    return this.#db("accepted_events").where("accepted_at", "<", this.#db.raw(`now() - make_interval(hours => ?)`, [this.#retentionHours])).delete();
  }

  drain(): Promise<void> {
    return this.#writes.drain();
  }

  async #findAccepted(pairs: Array<{ source: string; providerEventId: string }>): Promise<boolean[]> {
    const rows = (await this.#db("accepted_events")
      .select("source", "provider_event_id")
      .whereIn(["source", "provider_event_id"], pairs.map((pair) => [pair.source, pair.providerEventId]))
      .andWhere("accepted_at", ">=", this.#db.raw(`now() - make_interval(hours => ?)`, [this.#retentionHours]))) as Array<{ source: string; provider_event_id: string }>;
    const found = new Set(rows.map((row) => key(row.source, row.provider_event_id)));
    return pairs.map((pair) => found.has(key(pair.source, pair.providerEventId)));
  }

  async #insert(rows: AcceptedEvent[]): Promise<void[]> {
    await this.#db("accepted_events")
      .insert(rows.map((row) => ({ source: row.source, provider_event_id: row.providerEventId, event_id: row.eventId, topic: row.topic, origin: row.origin })))
      .onConflict(["source", "provider_event_id"])
      .ignore();
    return rows.map(() => undefined);
  }
}

import type { Knex } from "@hooklog/db";

export type ActionName = "redeliver" | "rerun" | "redrive" | "replay" | "reconcile";

export interface RecordedAction {
  id: string;
  at: Date;
  actor: string;
  action: ActionName;
  consumer: string | null;
  eventId: string | null;
  detail: Record<string, unknown>;
}

/** Who did what, kept in Postgres and shown on the event an action touched. */
export class ActionLog {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async record(entry: { actor: string; action: ActionName; consumer?: string; eventId?: string; detail?: Record<string, unknown> }): Promise<void> {
    await this.#db("console_actions").insert({
      actor: entry.actor,
      action: entry.action,
      consumer: entry.consumer ?? null,
      event_id: entry.eventId ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    });
  }

  async ofEvent(eventId: string): Promise<RecordedAction[]> {
    const rows = (await this.#db("console_actions").where({ event_id: eventId }).orderBy("id")) as Array<{
      id: string;
      at: Date;
      actor: string;
      action: ActionName;
      consumer: string | null;
      event_id: string | null;
      detail: Record<string, unknown>;
    }>;
    return rows.map((row) => ({
      id: String(row.id),
      at: row.at,
      actor: row.actor,
      action: row.action,
      consumer: row.consumer,
      eventId: row.event_id,
      detail: row.detail,
    }));
  }

  async recent(limit: number): Promise<RecordedAction[]> {
    const rows = (await this.#db("console_actions").orderBy("id", "desc").limit(limit)) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      id: String(row.id),
      at: row.at as Date,
      actor: row.actor as string,
      action: row.action as ActionName,
      consumer: row.consumer as string | null,
      eventId: row.event_id as string | null,
      detail: row.detail as Record<string, unknown>,
    }));
  }
}

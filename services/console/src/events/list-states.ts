import type { Knex } from "@hooklog/db";

/** Each listed event's state in each consumer that has handled it: consumer → state. */
export type StatesOfEvents = Map<string, Array<{ consumer: string; state: string }>>;

/** One query for a page of events: the kit's consumer_event_states by event id. */
export async function statesOfEvents(db: Knex, eventIds: readonly string[]): Promise<StatesOfEvents> {
  const states: StatesOfEvents = new Map();
  if (eventIds.length === 0) return states;
  const rows = (await db("consumer_event_states")
    .whereIn("event_id", [...eventIds])
    .orderBy("consumer")
    .select("event_id", "consumer", "state")) as Array<{ event_id: string; consumer: string; state: string }>;
  for (const row of rows) {
    const list = states.get(row.event_id) ?? [];
    list.push({ consumer: row.consumer, state: row.state });
    states.set(row.event_id, list);
  }
  return states;
}

import { type EventFilter, listEvents } from "@hooklog/event-catalog";
import type { Knex } from "@hooklog/db";
import { fieldSearch } from "./filter.ts";

/** What the search box was read as, said on the page so a surprise is visible. */
export type SearchKind = "field" | "hub event id" | "provider event id" | "entity" | "text";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The search box takes any of: a payload field (`data.object.customer = cus_123`), a hub event id, a
 * provider event id, an entity (partition key), or free text. An id is tried exactly first, each by
 * its own index; what matches nothing as an id is searched as text.
 */
export async function resolveSearch(db: Knex, q: string, within: EventFilter): Promise<{ filter: EventFilter; as: SearchKind } | undefined> {
  const text = q.trim();
  if (text === "") return undefined;
  const field = fieldSearch(text);
  if (field) return { filter: { ...within, field }, as: "field" };
  const candidates: Array<[SearchKind, EventFilter]> = [
    ...(UUID.test(text) ? [["hub event id", { ...within, eventId: text }] as [SearchKind, EventFilter]] : []),
    ["provider event id", { ...within, providerEventId: text }],
    ["entity", { ...within, partitionKey: text }],
  ];
  for (const [kind, filter] of candidates) {
    const { items } = await listEvents(db, filter, { limit: 1 });
    if (items.length > 0) return { filter, as: kind };
  }
  return { filter: { ...within, text }, as: "text" };
}

// Replay by filter: the catalog's events matching a filter, on the topics one consumer reads, handed
// to that consumer again (its handler runs; its recorded outside calls answer from their record).
import { listEvents, type CatalogEventSummary, type EventCursor, type EventFilter } from "@hooklog/event-catalog";
import { z } from "@hooklog/config";
import { parseSince } from "@hooklog/core";
import type { ResendEvent } from "@hooklog/consumer-kit";
import type { SourceConfig } from "@hooklog/sources";
import { badInput } from "./errors.ts";

/** More than this in one replay is refused: narrow the filter, or rewind the consumer (`hooklog replay`). */
export const MAX_REPLAY_EVENTS = 10_000;

const list = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

const replayFilter = z.strictObject({
  source: list.optional(),
  type: list.optional(),
  origin: list.optional(),
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  text: z.string().min(1).optional(),
  eventId: z.string().min(1).optional(),
  providerEventId: z.string().min(1).optional(),
  partitionKey: z.string().min(1).optional(),
});

export const replayRequest = z.strictObject({ filter: replayFilter.default({}), dryRun: z.boolean().default(false) });

export const REPLAY_REQUEST_HELP =
  'Send {"filter": {"source"?, "type"?, "origin"?: string or list, "from"?, "to"?: "2h" | ISO time, "text"?, "eventId"?, "providerEventId"?, "partitionKey"?: string}, "dryRun"?: boolean}';

/** The request's filter as the catalog takes it; a time it cannot read is the sender's to fix. */
export function replayFilterOf(body: unknown, now: Date): { filter: EventFilter; dryRun: boolean; asked: Record<string, unknown> } {
  const parsed = replayRequest.safeParse(body ?? {});
  if (!parsed.success) throw badInput(`${REPLAY_REQUEST_HELP}: ${z.prettifyError(parsed.error)}`);
  const { from, to, ...rest } = parsed.data.filter;
  const time = (name: string, text: string | undefined): Date | undefined => {
    if (text === undefined) return undefined;
    try {
      return parseSince(text, now);
    } catch (error) {
      throw badInput(`filter.${name}: ${(error as Error).message}`);
    }
  };
  const filter: EventFilter = { ...rest };
  const fromDate = time("from", from);
  const toDate = time("to", to);
  if (fromDate) filter.from = fromDate;
  if (toDate) filter.to = toDate;
  return { filter, dryRun: parsed.data.dryRun, asked: parsed.data.filter };
}

/** The webhook event key the consumer kit gives an event (decode.ts): its source and the provider's id. */
export const webhookEventKey = (event: CatalogEventSummary): string => `${event.source}:${event.providerEventId}`;

/**
 * The matching events of the sources whose topics the consumer reads, oldest first. More than
 * MAX_REPLAY_EVENTS is refused, naming the count reached.
 */
export async function matchingEvents(
  db: Parameters<typeof listEvents>[0],
  filter: EventFilter,
  consumerTopics: readonly string[],
  sources: readonly SourceConfig[],
): Promise<ResendEvent[]> {
  const topics = new Set(consumerTopics);
  const read = sources.filter((source) => topics.has(source.topic)).map((source) => source.name);
  const asked = filter.source ? read.filter((name) => filter.source?.includes(name)) : read;
  if (asked.length === 0) return [];
  const events: ResendEvent[] = [];
  let before: EventCursor | undefined;
  for (;;) {
    const page = await listEvents(db, { ...filter, source: asked }, { limit: 500, ...(before ? { before } : {}) });
    for (const event of page.items)
      if (topics.has(event.position.topic)) events.push({ eventKey: webhookEventKey(event), eventId: event.eventId, position: event.position });
    if (events.length > MAX_REPLAY_EVENTS) throw badInput(`more than ${MAX_REPLAY_EVENTS} events match: narrow the filter (a source, a type, a time range)`);
    if (!page.next) break;
    before = page.next;
  }
  // Newest first from the catalog: resent oldest first, as they came.
  return events.reverse();
}

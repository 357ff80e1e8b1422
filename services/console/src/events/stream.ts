import { type CatalogEventSummary, type EventCursor, type EventFilter, listEvents } from "@hooklog/event-catalog";
import type { Request, Response } from "express";
import type { ConsoleDeps } from "../deps.ts";
import { eventRow } from "../pages/events-page.ts";

const POLL_MS = 1000;

/** Whether an event comes after a cursor in the list's order (received_at, then event id). */
const isNewer = (event: CatalogEventSummary, than: { receivedAt: Date; eventId: string }): boolean =>
  event.receivedAt.getTime() > than.receivedAt.getTime() || (event.receivedAt.getTime() === than.receivedAt.getTime() && event.eventId > than.eventId);
/** Streams at once: each polls the catalog, so a forgotten tab in every browser cannot pile them up. */
const MAX_STREAMS = 32;
/** The open streams' ends: a stopping console ends them rather than wait for every tab to close. */
const openStreams = new Set<() => void>();

/** Ends every open stream (on SIGTERM, before the server closes). */
export function endAllStreams(): void {
  for (const end of [...openStreams]) end();
}

/**
 * Server-sent events: each new event matching the filter, as the list's row, newest last. It starts
 * from what the list showed when the page loaded (events then are not sent again), and polls the
 * catalog once a second: an event is listed as soon as the catalog has it.
 */
export async function streamEvents(
  deps: ConsoleDeps,
  filter: EventFilter,
  after: EventCursor | undefined,
  request: Request,
  response: Response,
  /** Whether the caller may still see events: a session signed out or expired ends its stream. */
  stillAllowed: () => boolean,
): Promise<void> {
  if (openStreams.size >= MAX_STREAMS) {
    response
      .status(503)
      .setHeader("Retry-After", "10")
      .json({ error: { code: "too_many_streams", message: `The console follows at most ${MAX_STREAMS} lists at once; close a tab.` } });
    return;
  }
  // What the page showed is never sent again: everything up to its newest row (`after`), or, for a
  // client that names none, what the list holds as the stream opens (read before it answers, so an
  // event written once the client has its answer is always sent).
  const shown = (await listEvents(deps.db, filter, { limit: 100 })).items;
  const sent = new Set(shown.filter((event) => !after || !isNewer(event, after)).map((event) => event.eventId));
  const newest = after ?? shown[0];
  const isNew = (event: CatalogEventSummary): boolean => !sent.has(event.eventId) && (!newest || isNewer(event, newest));
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
  response.write("retry: 3000\n\n");
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    openStreams.delete(end);
    clearTimeout(timer);
  };
  const end = () => {
    stop();
    response.end();
  };
  openStreams.add(end);
  request.on("close", stop);
  const poll = async () => {
    if (!stillAllowed()) {
      end();
      return;
    }
    try {
      const { items } = await listEvents(deps.db, filter, { limit: 50 });
      for (const event of items.filter(isNew).reverse()) {
        sent.add(event.eventId);
        response.write(`event: event\ndata: ${JSON.stringify({ id: event.eventId, html: eventRow(event, undefined).text })}\n\n`);
      }
      // Ids long gone from the first page are forgotten: the set stays the size of a page or two.
      if (sent.size > 500) for (const id of [...sent].slice(0, sent.size - 200)) sent.delete(id);
      response.write(": alive\n\n");
    } catch (error) {
      deps.logger.warn({ err: error }, "the live events list could not read the catalog");
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };
  timer = setTimeout(() => void poll(), POLL_MS);
}

import { type CatalogEventSummary, type CatalogedEvent, type EventCursor, type EventFilter, eventsCatalogedSince, listEvents } from "@hooklog/event-catalog";
import type { Request, Response } from "express";
import type { ConsoleDeps } from "../deps.ts";
import { eventRow } from "../pages/events-page.ts";

const POLL_MS = 1000;
/** How far before the newest cataloged row a poll looks again: longer than a catalog batch's transaction. */
const LOOK_BACK_MS = 10_000;
const PAGE = 500;
/** A poll sends at most this many pages (5 000 events a second); more waits for the next. */
const MAX_PAGES_PER_POLL = 10;

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
  // event written once the client has its answer is always sent). After that, whatever the catalog
  // commits is sent, however old its receipt (a lagging partition's events come late).
  const openedAt = Date.now();
  const shown = (await listEvents(deps.db, filter, { limit: 100 })).items;
  const newest = after ?? shown[0];
  /** Ids sent (or shown), by when they were cataloged: forgotten once the look-back has passed them. */
  const sent = new Map<string, number>(shown.map((event) => [event.eventId, openedAt]));
  const isNew = (event: CatalogedEvent): boolean =>
    !sent.has(event.eventId) && (event.catalogedAt.getTime() >= openedAt - LOOK_BACK_MS || !newest || isNewer(event, newest));
  let lookFrom = openedAt - LOOK_BACK_MS;
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
      // A row's cataloged_at is when its transaction began; it shows at commit. Looking back a few
      // seconds past the newest seen, and skipping ids already sent, misses none of them.
      let since = new Date(lookFrom);
      let afterEventId: string | undefined;
      let latest = lookFrom;
      for (let page = 0; page < MAX_PAGES_PER_POLL && !stopped; page += 1) {
        const rows = await eventsCatalogedSince(deps.db, filter, since, PAGE, afterEventId);
        for (const event of rows) {
          latest = Math.max(latest, event.catalogedAt.getTime());
          if (!isNew(event)) continue;
          sent.set(event.eventId, event.catalogedAt.getTime());
          response.write(`event: event\ndata: ${JSON.stringify({ id: event.eventId, html: eventRow(event, undefined).text })}\n\n`);
        }
        const last = rows.at(-1);
        if (rows.length < PAGE || !last) break;
        since = last.catalogedAt;
        afterEventId = last.eventId;
      }
      lookFrom = Math.max(lookFrom, latest - LOOK_BACK_MS);
      for (const [id, at] of sent) if (at < lookFrom - LOOK_BACK_MS) sent.delete(id);
      response.write(": alive\n\n");
    } catch (error) {
      deps.logger.warn({ err: error }, "the live events list could not read the catalog");
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };
  timer = setTimeout(() => void poll(), POLL_MS);
}

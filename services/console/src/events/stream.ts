import { type EventFilter, listEvents } from "@hooklog/event-catalog";
import type { Request, Response } from "express";
import type { ConsoleDeps } from "../deps.ts";
import { eventRow } from "../pages/events-page.ts";

const POLL_MS = 1000;
/** Streams at once: each polls the catalog, so a forgotten tab in every browser cannot pile them up. */
const MAX_STREAMS = 32;
let open = 0;

/**
 * Server-sent events: each new event matching the filter, as the list's row, newest last. It starts
 * from what the list showed when the page loaded (events then are not sent again), and polls the
 * catalog once a second: an event is listed as soon as the catalog has it.
 */
export async function streamEvents(deps: ConsoleDeps, filter: EventFilter, request: Request, response: Response): Promise<void> {
  if (open >= MAX_STREAMS) {
    response
      .status(503)
      .setHeader("Retry-After", "10")
      .json({ error: { code: "too_many_streams", message: `The console follows at most ${MAX_STREAMS} lists at once; close a tab.` } });
    return;
  }
  open += 1;
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
  response.write("retry: 3000\n\n");
  const sent = new Set((await listEvents(deps.db, filter, { limit: 100 })).items.map((event) => event.eventId));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    open -= 1;
    clearTimeout(timer);
  };
  request.on("close", stop);
  const poll = async () => {
    try {
      const { items } = await listEvents(deps.db, filter, { limit: 50 });
      for (const event of items.filter((each) => !sent.has(each.eventId)).reverse()) {
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

import { type CatalogEventSummary, type EventFilter, eventCounts, listEvents } from "@hooklog/event-catalog";
import type { Request, Response } from "express";
import { callerOf } from "../auth/guard.ts";
import type { ConsoleArea, ConsoleDeps } from "../deps.ts";
import { forceRerun, redeliver } from "../events/actions.ts";
import { eventDetail } from "../events/detail.ts";
import { type EventsQuery, STATE_FILTERS, cursorParameter, cursorText, parseEventsQuery } from "../events/filter.ts";
import { statesOfEvents } from "../events/list-states.ts";
import { resolveSearch, type SearchKind } from "../events/search.ts";
import { streamEvents } from "../events/stream.ts";
import { filledSeries, lineChart } from "../charts.ts";
import { type Html, query } from "../html.ts";
import type { OpenApiPaths } from "../openapi-types.ts";
import { eventPage } from "../pages/event-page.ts";
import { eventsPage } from "../pages/events-page.ts";
import { layout } from "../pages/layout.ts";

/** The consumer states each state filter stands for. */
const STATES_OF: Record<(typeof STATE_FILTERS)[number], string[]> = {
  failing: ["retrying", "dead_lettered", "parked"],
  dead_lettered: ["dead_lettered"],
  retrying: ["retrying"],
};

/** The list's filter with the search box resolved and the consumer state applied. */
async function effectiveFilter(deps: ConsoleDeps, current: EventsQuery): Promise<{ filter: EventFilter; searchedAs: SearchKind | undefined }> {
  const within: EventFilter = current.state ? { ...current.filter, consumerStates: STATES_OF[current.state] } : current.filter;
  const search = await resolveSearch(deps.db, current.q, within);
  return { filter: search?.filter ?? within, searchedAs: search?.as };
}

async function eventsList(deps: ConsoleDeps, request: Request) {
  const current = parseEventsQuery(request.query);
  const { filter, searchedAs } = await effectiveFilter(deps, current);
  const page = await listEvents(deps.db, filter, { limit: current.limit, ...(current.before ? { before: current.before } : {}) });
  const states = await statesOfEvents(
    deps.db,
    page.items.map((event) => event.eventId),
  );
  return { current, searchedAs, page, states };
}

/** The live stream of this list: its filter, from the newest event the page shows. */
const streamQuery = (request: Request, newest: CatalogEventSummary | undefined): string => {
  const { before: _before, after: _after, ...rest } = request.query as Record<string, string | string[] | undefined>;
  return query({ ...(rest as Record<string, string | readonly string[] | undefined>), after: newest ? cursorText(newest) : undefined });
};

const MINUTE_MS = 60_000;

async function arrivalsChart(deps: ConsoleDeps): Promise<Html> {
  const to = (deps.now ?? (() => new Date()))();
  const from = new Date(to.getTime() - 60 * MINUTE_MS);
  const counts = await eventCounts(deps.db, { since: from, bucketMinutes: 1 });
  const configured = deps.sources.map((source) => source.name);
  const window = { from, to, bucketMs: MINUTE_MS };
  const series = configured.map((source) =>
    filledSeries(
      source,
      counts.filter((count) => count.source === source),
      window,
    ),
  );
  // Events of a source no longer configured still arrived: one line for all of them.
  const others = counts.filter((count) => !configured.includes(count.source));
  if (others.length > 0) series.push(filledSeries("sources not configured now", others, window));
  return lineChart(series, { title: "Events per minute per source, last hour", from, to, unit: "events per minute" });
}

/** The events list and each event's page, and the API behind them. */
export const eventsArea: ConsoleArea = ({ api, pages }, deps) => {
  api.get("/events", async (request, response) => {
    const { current, searchedAs, page, states } = await eventsList(deps, request);
    response.json({
      items: page.items.map((event) => ({ ...event, consumers: states.get(event.eventId) ?? [] })),
      next: page.next ? `/api/events${query({ ...(request.query as Record<string, string>), before: cursorText(page.next) })}` : null,
      searchedAs: searchedAs ?? null,
      limit: current.limit,
    });
  });
  api.get("/events/stream", async (request, response) => {
    const current = parseEventsQuery(request.query);
    const { filter } = await effectiveFilter(deps, current);
    const caller = callerOf(response);
    const stillAllowed = caller.via === "session" ? () => deps.sessions.isOpen(caller.session.id) : () => true;
    await streamEvents(deps, filter, cursorParameter(request.query, "after"), request, response, stillAllowed);
  });
  api.get("/events/:eventId", async (request, response) => {
    response.json(await eventDetail(deps, request.params.eventId));
  });
  api.post("/events/:eventId/consumers/:consumer/redeliver", async (request, response) => {
    response.json(await redeliver(deps, callerOf(response), request.params.eventId, request.params.consumer, request.body));
  });
  api.post("/events/:eventId/consumers/:consumer/rerun", async (request: Request<{ eventId: string; consumer: string }>, response: Response) => {
    response.json(await forceRerun(deps, callerOf(response), request.params.eventId, request.params.consumer, request.body));
  });

  pages.get("/events", async (request, response) => {
    const { current, searchedAs, page, states } = await eventsList(deps, request);
    // The newest page shows what arrives: events per minute per source over the last hour.
    const arrivals = current.before ? undefined : await arrivalsChart(deps);
    const body = eventsPage({
      current,
      sources: deps.sources,
      items: page.items,
      next: page.next,
      states,
      searchedAs,
      streamUrl: `/api/events/stream${streamQuery(request, page.items[0])}`,
      arrivals,
    });
    response.type("html").send(layout({ title: "Events", section: "events", caller: callerOf(response), body }));
  });
  pages.get("/events/:eventId", async (request, response) => {
    const detail = await eventDetail(deps, request.params.eventId);
    response
      .type("html")
      .send(
        layout({ title: `${detail.event.type} · ${detail.event.providerEventId}`, section: "events", caller: callerOf(response), body: eventPage(detail) }),
      );
  });
};

const filterParameters = [
  {
    name: "q",
    in: "query",
    schema: { type: "string" },
    description: "Search: a hub event id, a provider event id, an entity (partition key), a payload field (data.object.customer = cus_123) or free text.",
  },
  { name: "source", in: "query", schema: { type: "array", items: { type: "string" } }, style: "form", explode: true },
  { name: "type", in: "query", schema: { type: "array", items: { type: "string" } }, style: "form", explode: true },
  { name: "origin", in: "query", schema: { type: "string", enum: ["webhook", "reconciliation", "replay"] } },
  { name: "state", in: "query", schema: { type: "string", enum: [...STATE_FILTERS] }, description: "failing: any consumer retrying, dead-lettered or parked." },
  { name: "from", in: "query", schema: { type: "string", format: "date-time" } },
  { name: "to", in: "query", schema: { type: "string", format: "date-time" } },
  { name: "event", in: "query", schema: { type: "string" }, description: "A hub event id, exactly." },
  { name: "provider_event", in: "query", schema: { type: "string" } },
  { name: "entity", in: "query", schema: { type: "string" }, description: "A partition key (the entity)." },
  { name: "field", in: "query", schema: { type: "string" }, description: "path = value" },
  { name: "text", in: "query", schema: { type: "string" }, description: "Free text, as a web search box takes it." },
  { name: "before", in: "query", schema: { type: "string" }, description: "The cursor of the next page (from `next`)." },
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
];
const error = { description: "An error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
const eventAndConsumer = [
  { name: "eventId", in: "path", required: true, schema: { type: "string" } },
  { name: "consumer", in: "path", required: true, schema: { type: "string" } },
];

export const eventsPaths: OpenApiPaths = {
  "/api/events": {
    get: {
      summary: "Events, newest first, filtered",
      parameters: filterParameters,
      responses: {
        "200": { description: "{ items: [event summary + consumers: [{consumer, state}]], next: URL of the next page or null, searchedAs }" },
        "400": error,
        "401": error,
      },
    },
  },
  "/api/events/stream": {
    get: {
      summary: "New events matching the filter, as server-sent events (event: event, data: {id, html})",
      parameters: [
        ...filterParameters.filter((parameter) => parameter.name !== "before" && parameter.name !== "limit"),
        { name: "after", in: "query", schema: { type: "string" }, description: "The newest event the client shows (time~event id): only newer ones are sent." },
      ],
      responses: { "200": { description: "text/event-stream" }, "401": error, "503": error },
    },
  },
  "/api/events/{eventId}": {
    get: {
      summary: "One event: envelope, payload, deliveries, each consumer's state, attempts and effects, actions taken, events of the same entity, trace link",
      parameters: [eventAndConsumer[0]],
      responses: { "200": { description: "The event's detail" }, "401": error, "404": error },
    },
  },
  "/api/events/{eventId}/consumers/{consumer}/redeliver": {
    post: {
      summary: "Redeliver a failed (retrying, dead-lettered or parked) event to one consumer now; effects already made are not repeated",
      parameters: eventAndConsumer,
      requestBody: {
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: { eventKey: { type: "string", description: "Which event, when the consumer handled several of this one's (a task it caused)." } },
            },
          },
        },
      },
      responses: { "200": { description: "{ summary }" }, "401": error, "403": error, "404": error, "409": error },
    },
  },
  "/api/events/{eventId}/consumers/{consumer}/rerun": {
    post: {
      summary: "Force a processed event through one consumer again: its processed mark and once records are cleared, so its effects repeat",
      parameters: eventAndConsumer,
      requestBody: {
        required: true,
        content: { "application/json": { schema: { type: "object", properties: { confirm: { const: true } }, required: ["confirm"] } } },
      },
      responses: { "200": { description: "{ summary }" }, "400": error, "401": error, "403": error, "404": error, "409": error },
    },
  },
};

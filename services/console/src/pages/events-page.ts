import type { CatalogEventSummary, EventCursor } from "@hooklog/event-catalog";
import type { SourceConfig } from "@hooklog/sources";
import { STATE_FILTERS, type EventsQuery, cursorText } from "../events/filter.ts";
import type { StatesOfEvents } from "../events/list-states.ts";
import type { SearchKind } from "../events/search.ts";
import { type Html, html, query } from "../html.ts";
import { when } from "./layout.ts";

const stateBadges = (states: Array<{ consumer: string; state: string }> | undefined): Html =>
  states && states.length > 0
    ? html`${states.map(({ consumer, state }) => html`<span class="state ${state}" title="${consumer}: ${state.replace("_", " ")}">${consumer}</span> `)}`
    : html`<span class="none">not handled yet</span>`;

/** One event as a row of the list (also what the live stream sends). */
export function eventRow(event: CatalogEventSummary, states: Array<{ consumer: string; state: string }> | undefined): Html {
  return html`<tr id="event-${event.eventId}" data-event-id="${event.eventId}">
<td>${when(event.receivedAt)}</td>
<td>${event.source}</td>
<td><a href="/events/${event.eventId}">${event.type}</a></td>
<td class="mono">${event.providerEventId}</td>
<td class="mono">${event.partitionKey ?? ""}</td>
<td>${event.origin}</td>
<td>${stateBadges(states)}</td>
</tr>`;
}

/** The URL of this list with other parameters: the filter stays in the URL, so a link shows the same list. */
export function listUrl(current: EventsQuery, changes: { before?: EventCursor | undefined }): string {
  const { filter } = current;
  return `/events${query({
    q: current.q,
    source: filter.source,
    type: filter.type,
    origin: filter.origin,
    state: current.state,
    from: filter.from?.toISOString(),
    to: filter.to?.toISOString(),
    before: changes.before ? cursorText(changes.before) : undefined,
  })}`;
}

export function eventsPage(options: {
  current: EventsQuery;
  sources: readonly SourceConfig[];
  items: CatalogEventSummary[];
  next: EventCursor | null;
  states: StatesOfEvents;
  searchedAs: SearchKind | undefined;
  streamUrl: string;
  /** Events per minute per source, on the newest page. */
  arrivals?: Html | undefined;
}): Html {
  const { current, items } = options;
  const selected = (values: readonly string[] | undefined, value: string) => (values?.includes(value) ? html` selected` : "");
  return html`<form class="filters" method="get" action="/events">
  <label>Search<input name="q" value="${current.q}" size="38" placeholder="event id, provider id, entity, data.object.customer = cus_123, or text"></label>
  <label>Source<select name="source"><option value="">any</option>${options.sources.map((source) => html`<option${selected(current.filter.source, source.name)}>${source.name}</option>`)}</select></label>
  <label>Type<input name="type" value="${current.filter.type?.join(",") ?? ""}" placeholder="invoice.paid"></label>
  <label>Origin<select name="origin"><option value="">any</option>${["webhook", "reconciliation", "replay"].map((origin) => html`<option${selected(current.filter.origin, origin)}>${origin}</option>`)}</select></label>
  <label>Consumer state<select name="state"><option value="">any</option>${STATE_FILTERS.map((state) => html`<option value="${state}"${current.state === state ? html` selected` : ""}>${state === "failing" ? "any consumer failing" : state.replace("_", "-")}</option>`)}</select></label>
  <label>From<input name="from" value="${current.filter.from?.toISOString() ?? ""}" placeholder="2026-12-07T00:00:00Z"></label>
  <label>To<input name="to" value="${current.filter.to?.toISOString() ?? ""}"></label>
  <button type="submit" class="primary">Filter</button>
  <a href="/events">clear</a>
</form>
${options.arrivals ? html`<div data-testid="arrivals">${options.arrivals}</div>` : ""}
${options.searchedAs ? html`<p class="muted" data-testid="searched-as">searched as ${options.searchedAs}</p>` : ""}
${current.before ? html`<p class="live">an older page: <a href="${listUrl(current, {})}">back to the newest</a></p>` : html`<p class="live" data-live-status>following new events</p>`}
<table data-testid="events"${current.before ? "" : html` data-live="${options.streamUrl}"`}>
<thead><tr><th>Received</th><th>Source</th><th>Type</th><th>Provider event id</th><th>Entity</th><th>Origin</th><th>Consumers</th></tr></thead>
<tbody>${items.map((event) => eventRow(event, options.states.get(event.eventId)))}</tbody>
</table>
${items.length === 0 ? html`<p class="none">No event matches.</p>` : ""}
<div class="pager">${options.next ? html`<a rel="next" href="${listUrl(current, { before: options.next })}">older events</a>` : ""}</div>`;
}

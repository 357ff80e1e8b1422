import type { EventCursor, EventFilter } from "@hooklog/event-catalog";
import { badInput } from "../errors.ts";

/** The consumer states the events list filters by: any consumer failing (retrying or dead-lettered), dead-lettered, retrying. */
export const STATE_FILTERS = ["failing", "dead_lettered", "retrying"] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

const ORIGINS = ["webhook", "reconciliation", "replay"];

/** The events list's filter as the URL carries it, so a link shows the same list. */
export interface EventsQuery {
  filter: EventFilter;
  state: StateFilter | undefined;
  /** The search box as typed. */
  q: string;
  before: EventCursor | undefined;
  limit: number;
}

type Query = Record<string, unknown>;

const list = (query: Query, name: string): string[] => {
  const value = query[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .flatMap((each) => (typeof each === "string" ? each.split(",") : []))
    .map((each) => each.trim())
    .filter(Boolean);
};

const one = (query: Query, name: string): string | undefined => {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badInput(`${name} may be given once.`);
  return value.trim() || undefined;
};

function time(query: Query, name: string): Date | undefined {
  const value = one(query, name);
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`${name}=${value} is not a time; use ISO 8601, e.g. 2026-12-07T10:00:00Z.`);
  return date;
}

/** A search for one payload field: `data.object.customer = cus_123` (a number, true, false or "quoted text" are taken as such). */
const FIELD_SEARCH = /^([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*=\s*(.+)$/;

export function fieldSearch(text: string): { path: string[]; value: string | number | boolean } | undefined {
  const match = FIELD_SEARCH.exec(text);
  if (!match?.[1] || match[2] === undefined) return undefined;
  const literal = match[2].trim();
  let value: string | number | boolean = literal;
  if (/^".*"$/.test(literal)) value = literal.slice(1, -1);
  else if (literal === "true" || literal === "false") value = literal === "true";
  else if (/^-?\d+(\.\d+)?$/.test(literal) && Number.isFinite(Number(literal))) value = Number(literal);
  return { path: match[1].split("."), value };
}

/** `<receivedAt ISO>~<eventId>`: the last event of the page before. */
export const cursorText = (cursor: EventCursor): string => `${cursor.receivedAt.toISOString()}~${cursor.eventId}`;

/** A cursor parameter: `before` (the next page) or `after` (what a followed list showed last). */
export function cursorParameter(query: Query, name: "before" | "after"): EventCursor | undefined {
  const value = one(query, name);
  if (value === undefined) return undefined;
  const [at, eventId] = value.split("~");
  const receivedAt = new Date(at ?? "");
  if (!eventId || Number.isNaN(receivedAt.getTime())) throw badInput(`${name}= is the \`next\` cursor of a page (time~event id); follow the page's links.`);
  return { receivedAt, eventId };
}

/** Reads the list's filter from a request's query; a value that cannot be meant is an error saying what is accepted. */
export function parseEventsQuery(query: Query): EventsQuery {
  const origin = list(query, "origin");
  const unknownOrigin = origin.find((each) => !ORIGINS.includes(each));
  if (unknownOrigin) throw badInput(`origin=${unknownOrigin} is not one of ${ORIGINS.join(", ")}.`);
  const state = one(query, "state");
  if (state !== undefined && !(STATE_FILTERS as readonly string[]).includes(state)) throw badInput(`state=${state} is not one of ${STATE_FILTERS.join(", ")}.`);
  const limitText = one(query, "limit");
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput("limit is a whole number from 1 to 500.");
  const from = time(query, "from");
  const to = time(query, "to");
  const filter: EventFilter = {
    ...(list(query, "source").length > 0 ? { source: list(query, "source") } : {}),
    ...(list(query, "type").length > 0 ? { type: list(query, "type") } : {}),
    ...(origin.length > 0 ? { origin } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  for (const [name, key] of [
    ["event", "eventId"],
    ["provider_event", "providerEventId"],
    ["entity", "partitionKey"],
  ] as const) {
    const value = one(query, name);
    if (value !== undefined) filter[key] = value;
  }
  const field = one(query, "field");
  if (field !== undefined) {
    const parsed = fieldSearch(field);
    if (!parsed) throw badInput(`field=${field} is not a field search; write path = value, e.g. data.object.customer = cus_123.`);
    filter.field = parsed;
  }
  const text = one(query, "text");
  if (text !== undefined) filter.text = text;
  return { filter, state: state as StateFilter | undefined, q: one(query, "q") ?? "", before: cursorParameter(query, "before"), limit };
}

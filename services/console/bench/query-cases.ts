// The events list's server time with a million events: each case a GET /api/events the console
// answers, timed end to end over loopback from this process (the console's code is not changed to
// report its own time, so each figure includes HTTP and JSON on 127.0.0.1, a millisecond or two).
import type { Knex } from "@hooklog/db";

export interface QueryCase {
  name: string;
  /** The query string of GET /api/events. */
  query: Record<string, string>;
  /** p99 target in ms: a first page (any filter) 100; a search through payloads 300. */
  targetMs: number;
  /** What the console must say it searched as, for a q= case. */
  searchedAs?: string;
}

export interface CaseResult {
  case: QueryCase;
  p50: number;
  p99: number;
  max: number;
  rows: number;
  pass: boolean;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

/** One request, its body read: the time and the page. */
async function timedGet(url: string, token: string): Promise<{ ms: number; body: { items: unknown[]; next: string | null; searchedAs: string | null } }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) };
}

export function eventsUrl(base: string, query: Record<string, string>): string {
  return `${base}/api/events?${new URLSearchParams(query).toString()}`;
}

/** The cursor of page `pages + 1` of the unfiltered list, by following `next` as a client would. */
export async function deepCursor(base: string, token: string, pages: number): Promise<string> {
  let url = eventsUrl(base, {});
  for (let page = 0; page < pages; page += 1) {
    const { body } = await timedGet(url, token);
    if (!body.next) throw new Error(`the list ended after ${page + 1} pages`);
    url = `${base}${body.next}`;
  }
  const before = new URL(url).searchParams.get("before");
  if (!before) throw new Error("no before= cursor in the next link");
  return before;
}

export async function runCase(base: string, token: string, each: QueryCase, warmups: number, requests: number): Promise<CaseResult> {
  const url = eventsUrl(base, each.query);
  let rows = 0;
  for (let index = 0; index < warmups; index += 1) {
    const { body } = await timedGet(url, token);
    rows = body.items.length;
    if (each.searchedAs && body.searchedAs !== each.searchedAs) throw new Error(`${each.name}: searched as ${body.searchedAs}, expected ${each.searchedAs}`);
  }
  const times: number[] = [];
  for (let index = 0; index < requests; index += 1) times.push((await timedGet(url, token)).ms);
  times.sort((a, b) => a - b);
  const p99 = quantile(times, 0.99);
  return { case: each, p50: quantile(times, 0.5), p99, max: times.at(-1) ?? Number.NaN, rows, pass: p99 <= each.targetMs };
}

/** Every SQL statement one request makes, each run again under EXPLAIN (ANALYZE, BUFFERS): where its time goes. */
export async function explainCase(db: Knex, base: string, token: string, each: QueryCase): Promise<string> {
  const statements: Array<{ sql: string; bindings: readonly unknown[] }> = [];
  const listen = (data: { sql: string; bindings?: readonly unknown[] }): void => {
    statements.push({ sql: data.sql, bindings: data.bindings ?? [] });
  };
  db.on("query", listen);
  try {
    await timedGet(eventsUrl(base, each.query), token);
  } finally {
    db.off("query", listen);
  }
  const out: string[] = [];
  for (const statement of statements) {
    // knex reports pg's $1 placeholders; raw() takes ?.
    const sql = statement.sql.replaceAll(/\$\d+/g, "?");
    out.push(`  -- ${sql}`, `  -- bindings ${JSON.stringify(statement.bindings)}`);
    const plan = await db.raw(`explain (analyze, buffers) ${sql}`, statement.bindings as Knex.RawBinding[]);
    for (const row of plan.rows as Array<{ "QUERY PLAN": string }>) out.push(`  ${row["QUERY PLAN"]}`);
  }
  // A page's 50 ids make lines of kilobytes; the plan's shape is in their first few hundred characters.
  return out.map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line)).join("\n");
}

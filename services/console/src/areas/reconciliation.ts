import { z } from "@hooklog/config";
import type { Request, Response } from "express";
import { callerOf } from "../auth/guard.ts";
import type { ConsoleArea, ConsoleDeps } from "../deps.ts";
import { badInput } from "../errors.ts";
import { html, type Html } from "../html.ts";
import type { OpenApiPaths } from "../openapi-types.ts";
import { layout, when } from "../pages/layout.ts";

/**
 * Reconciliation's RECONCILIATION_INTERVAL_SECONDS unless set otherwise: its rounds (every source in
 * turn) start this long after the previous round ends. The console cannot read that service's
 * settings, so the next run it shows is an estimate on this default.
 */
export const DEFAULT_INTERVAL_SECONDS = 300;

/** A run may wait on a provider's rate limit (reconciliation waits up to 120 s per request) before it answers. */
const RUN_NOW_TIMEOUT_MS = 10 * 60_000;

export interface ReconciliationRun {
  id: string;
  source: string;
  window: { start: Date; end: Date };
  seen: number;
  gaps: number;
  backfilled: number;
  problems: Array<{ severity: string; code: string; message: string; requestId?: string }>;
  startedAt: Date;
  /** Null while running, or when the run died half-way. */
  finishedAt: Date | null;
  durationMs: number | null;
}

export interface ReconciliationView {
  sources: Array<{
    source: string;
    configured: boolean;
    runs: ReconciliationRun[];
    /** When the schedule runs it again: its last run's end plus the interval (rounds run the sources in turn); null before any run. */
    nextRunAt: Date | null;
  }>;
  /** How nextRunAt is estimated. */
  nextRunBasis: string;
}

interface RunRow {
  id: string | number;
  source: string;
  window_start: Date;
  window_end: Date;
  events_seen: number;
  gaps_found: number;
  backfilled: number;
  errors: ReconciliationRun["problems"];
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
}

const runOf = (row: RunRow): ReconciliationRun => ({
  id: String(row.id),
  source: row.source,
  window: { start: row.window_start, end: row.window_end },
  seen: row.events_seen,
  gaps: row.gaps_found,
  backfilled: row.backfilled,
  problems: row.errors,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  durationMs: row.duration_ms,
});

/** ?source= (one source) and ?limit=1..200 (runs per source, default 20). */
export function reconciliationQuery(request: Request): { source: string | undefined; limit: number } {
  const { source, limit } = request.query;
  if (source !== undefined && (typeof source !== "string" || source === "")) throw badInput("source: one source's name");
  if (limit === undefined) return { source, limit: 20 };
  const value = typeof limit === "string" && /^\d+$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(value >= 1 && value <= 200)) throw badInput("limit: a whole number of runs per source from 1 to 200 (default 20)");
  return { source, limit: value };
}

/** Each source's latest runs (reconciliation's run log, table reconciliation_runs), newest first, and when the next round is due. */
export async function reconciliationView(deps: ConsoleDeps, query: { source: string | undefined; limit: number }): Promise<ReconciliationView> {
  const logged = ((await deps.db("reconciliation_runs").distinct("source")) as Array<{ source: string }>).map((row) => row.source);
  const configured = new Set(deps.sources.map((source) => source.name));
  const names = [...new Set([...configured, ...logged])].filter((name) => query.source === undefined || name === query.source).sort();
  const sources: ReconciliationView["sources"] = [];
  for (const source of names) {
    const rows = (await deps
      .db("reconciliation_runs")
      .where({ source })
      .orderBy([
        { column: "started_at", order: "desc" },
        { column: "id", order: "desc" },
      ])
      .limit(query.limit)) as RunRow[];
    const lastEnd = rows.find((row) => row.finished_at !== null)?.finished_at;
    sources.push({
      source,
      configured: configured.has(source),
      runs: rows.map(runOf),
      nextRunAt: lastEnd ? new Date(lastEnd.getTime() + DEFAULT_INTERVAL_SECONDS * 1000) : null,
    });
  }
  return {
    sources,
    nextRunBasis: `its last run's end plus ${DEFAULT_INTERVAL_SECONDS} s, reconciliation's default RECONCILIATION_INTERVAL_SECONDS (0 there: runs only on demand)`,
  };
}

const runRequest = z.strictObject({ source: z.string().min(1).optional(), since: z.string().min(1).optional(), dryRun: z.boolean().optional() });
const RUN_REQUEST_HELP = 'Send {"source"?: a source\'s name (none: every reconcilable source), "since"?: "30m" | "2h" | "3d" | ISO time, "dryRun"?: boolean}';

/** The page's form sends strings: an empty field is no field, and dryRun "true"/"false". */
function runBody(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const { _csrf, ...fields } = body as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ""));
  if (kept.dryRun === "true" || kept.dryRun === "false") kept.dryRun = kept.dryRun === "true";
  return kept;
}

/** One line for the page from reconciliation's answer (a run, or {runs}). */
function summaryOf(answer: unknown): string {
  const describe = (run: Record<string, unknown>): string =>
    run.status === "dry-run"
      ? `${run.source}: dry run, ${run.eventsSeen} seen, ${run.wouldBackfill} would be backfilled`
      : run.status === "skipped" || run.status === "rejected"
        ? `${run.source}: ${run.status}, ${run.reason ?? run.message}`
        : `${run.source}: ${run.status}, ${run.eventsSeen} seen, ${run.gapsFound} gaps, ${run.backfilled} backfilled`;
  const shaped = answer as { runs?: Array<Record<string, unknown>> } & Record<string, unknown>;
  return Array.isArray(shaped.runs) ? shaped.runs.map(describe).join("; ") : describe(shaped);
}

function unavailable(response: Response, message: string): void {
  response.status(503).json({ error: { code: "reconciliation_unavailable", message } });
}

export const reconciliationArea: ConsoleArea = ({ api, pages }, deps) => {
  api.get("/reconciliation", async (request, response) => {
    response.json(await reconciliationView(deps, reconciliationQuery(request)));
  });

  api.post("/reconciliation/run", async (request, response) => {
    const parsed = runRequest.safeParse(runBody(request.body ?? {}));
    if (!parsed.success) throw badInput(`${RUN_REQUEST_HELP}: ${z.prettifyError(parsed.error)}`);
    const actor = callerOf(response).actor;
    const { url, token } = deps.reconciliation;
    if (!token) {
      unavailable(response, "The console has no admin token to call reconciliation with: HOOKLOG_ADMIN_TOKENS is empty.");
      return;
    }
    const endpoint = `${url.replace(/\/$/, "")}/reconcile`;
    let answer: globalThis.Response;
    try {
      answer = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(parsed.data),
        signal: AbortSignal.timeout(RUN_NOW_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      await deps.actions.record({ actor, action: "reconcile", detail: { ...parsed.data, outcome: "unreachable" } });
      unavailable(
        response,
        `Reconciliation at ${endpoint} did not answer (${cause?.code ?? cause?.message ?? (error as Error).message}): is the reconciliation service running? npm start runs it; HOOKLOG_RECONCILIATION_URL says where the console looks.`,
      );
      return;
    }
    const text = await answer.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined; // not JSON: answered below as reconciliation's failure, with its status
    }
    await deps.actions.record({ actor, action: "reconcile", detail: { ...parsed.data, status: answer.status } });
    deps.metrics.actions.inc({ action: "reconcile" });
    if (body === undefined) {
      response
        .status(502)
        .json({ error: { code: "reconciliation_failed", message: `Reconciliation answered ${answer.status} without JSON: ${text.slice(0, 200)}` } });
      return;
    }
    if ((body as { error?: unknown }).error !== undefined) {
      response.status(answer.status).json(body);
      return;
    }
    const summary = summaryOf(body);
    if (answer.ok) response.json({ status: answer.status, result: body, summary });
    else response.status(answer.status).json({ error: { code: "reconciliation_run_not_completed", message: summary }, result: body });
  });

  pages.get("/reconciliation", async (request, response) => {
    const view = await reconciliationView(deps, reconciliationQuery(request));
    response.type("html").send(layout({ title: "Reconciliation", section: "reconciliation", caller: callerOf(response), body: reconciliationPage(view) }));
  });
};

function reconciliationPage(view: ReconciliationView): Html {
  return html`<p class="muted">The next scheduled run of a source is estimated as ${view.nextRunBasis}.</p>
<form id="reconcile-now" class="filters">
<label>Source <select name="source"><option value="">every reconcilable source</option>${view.sources.map((each) => html`<option value="${each.source}">${each.source}</option>`)}</select></label>
<label>Since <input name="since" placeholder="2h or ISO time (default: its checkpoint)"></label>
<label>Dry run <select name="dryRun"><option value="false">no</option><option value="true">yes: count, write nothing</option></select></label>
</form>
<p><button class="primary" data-action="POST /api/reconciliation/run" data-form="reconcile-now" data-confirm="Run reconciliation now?" data-reload>Run now</button> <span class="result" data-result></span></p>
${view.sources.map(
  (each) => html`<h2>${each.source}${each.configured ? "" : html` <span class="muted">(no longer configured)</span>`}</h2>
<p>Next run: ${each.nextRunAt ? html`around ${when(each.nextRunAt)}` : html`<span class="none">unknown (no finished run yet)</span>`}</p>
${
  each.runs.length === 0
    ? html`<p class="none">No run yet.</p>`
    : html`<table><thead><tr><th>Started</th><th>Window</th><th>Seen</th><th>Gaps</th><th>Backfilled</th><th>Took</th><th>Problems</th></tr></thead><tbody>${each.runs.map(
        (run) => html`<tr>
<td>${when(run.startedAt)}</td>
<td>${when(run.window.start)} to ${when(run.window.end)}</td>
<td>${run.seen}</td><td>${run.gaps}</td><td>${run.backfilled}</td>
<td>${run.finishedAt ? `${((run.durationMs ?? 0) / 1000).toFixed(1)} s` : html`<span class="state retrying">running or died</span>`}</td>
<td>${
          run.problems.length === 0
            ? html`<span class="none">-</span>`
            : run.problems.map(
                (problem) => html`<div class="${problem.severity === "error" ? "problem" : "muted"}"><code>${problem.code}</code> ${problem.message}</div>`,
              )
        }</td>
</tr>`,
      )}</tbody></table>`
}`,
)}`;
}

const error = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: error } } });

export const reconciliationPaths: OpenApiPaths = {
  "/api/reconciliation": {
    get: {
      summary: "Reconciliation's runs per source (window, seen, gaps, backfilled, problems) and when the next scheduled round is expected",
      parameters: [
        { name: "source", in: "query", schema: { type: "string" }, description: "One source only." },
        { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 20 }, description: "Runs per source, newest first." },
      ],
      responses: {
        "200": {
          description:
            "sources[]: {source, configured, nextRunAt, runs[{id, source, window{start,end}, seen, gaps, backfilled, problems[], startedAt, finishedAt (null: running or died), durationMs}]}; nextRunBasis: how nextRunAt is estimated.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  sources: { type: "array", items: { type: "object", properties: { nextRunAt: { type: ["string", "null"], format: "date-time" } } } },
                  nextRunBasis: { type: "string" },
                },
              },
            },
          },
        },
        "400": errorResponse("A bad limit or source."),
      },
    },
  },
  "/api/reconciliation/run": {
    post: {
      summary: "Run now: asks the reconciliation service (POST /reconcile) to reconcile a source, or every reconcilable one, and answers its result",
      requestBody: {
        required: false,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                source: { type: "string", description: "None: every reconcilable source." },
                since: { type: "string", description: "30m, 2h, 3d back, or an ISO time; default: the source's checkpoint." },
                dryRun: { type: "boolean", description: "List and count, write nothing." },
              },
              additionalProperties: false,
            },
          },
        },
      },
      responses: {
        "200": {
          description: "Reconciliation's answer (a run, or {runs}) as result, with a one-line summary.",
          content: {
            "application/json": {
              schema: { type: "object", properties: { status: { type: "integer" }, result: { type: "object" }, summary: { type: "string" } } },
            },
          },
        },
        "400": errorResponse("A body the console or reconciliation cannot take."),
        "404": errorResponse("Reconciliation knows no such source."),
        "409": errorResponse("A run of the source is in progress, or the source cannot be reconciled."),
        "502": errorResponse("The run failed (the provider or Kafka); result holds its summary."),
        "503": errorResponse("Reconciliation is not running or not reachable, or the console has no admin token."),
      },
    },
  },
};

import {
  listDeliveries,
  rejectionCounts,
  type CatalogDelivery,
  type DeliveryCursor,
  type DeliveryFilter,
  type DeliveryOutcome,
  type RejectionCount,
} from "@hooklog/event-catalog";
import { parseSince } from "@hooklog/core";
import type { Request } from "express";
import { callerOf } from "../auth/guard.ts";
import { filledSeries, lineChart } from "../charts.ts";
import type { ConsoleArea, ConsoleDeps } from "../deps.ts";
import { badInput } from "../errors.ts";
import { html, query, type Html } from "../html.ts";
import type { OpenApiPaths } from "../openapi-types.ts";
import { layout, when } from "../pages/layout.ts";

const OUTCOMES: readonly DeliveryOutcome[] = ["accepted", "duplicate", "ignored", "rejected", "unavailable"];
const DAY_MS = 24 * 3_600_000;

export interface DeliveriesQuery {
  filter: DeliveryFilter;
  before: DeliveryCursor | undefined;
  limit: number;
  /** The rejections chart: from `filter.from` (or a day back) to `filter.to` (or now). */
  chart: { from: Date; to: Date; bucketMinutes: number };
  /** The query as given, for links (the next page, the form). */
  asked: Record<string, string | string[]>;
}

export interface DeliveriesView {
  deliveries: CatalogDelivery[];
  /** The next page's `before`; null on the last page. */
  next: string | null;
  rejections: { from: Date; to: Date; bucketMinutes: number; counts: RejectionCount[] };
}

/** A query value as a list: ?source=a&source=b or ?source=a,b. */
function listOf(request: Request, name: string): string[] | undefined {
  const value = request.query[name];
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).map((each) => {
    if (typeof each !== "string") throw badInput(`${name}: one or more values (?${name}=a&${name}=b or ?${name}=a,b)`);
    return each;
  });
  const items = values
    .flatMap((each) => each.split(","))
    .map((each) => each.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

function single(request: Request, name: string): string | undefined {
  const value = request.query[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw badInput(`${name}: given once`);
  return value;
}

/** A cursor the API hands out: the last delivery's time and id, base64url JSON, so it is opaque in a link. */
export const encodeCursor = (cursor: DeliveryCursor): string =>
  Buffer.from(JSON.stringify([cursor.receivedAt.toISOString(), cursor.deliveryId])).toString("base64url");

export function decodeCursor(text: string): DeliveryCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    const receivedAt = new Date(String(at));
    if (typeof at === "string" && typeof id === "string" && !Number.isNaN(receivedAt.getTime())) return { receivedAt, deliveryId: id };
  } catch {
    // not base64url JSON: refused below like any other malformed cursor
  }
  throw badInput("before: the `next` of a previous page, as given");
}

/**
 * The URL's filters: source, outcome, reason (lists), from and to (30m, 2h, 3d back or an ISO time),
 * before (a page's `next`), limit (1 to 500, default 50), bucketMinutes of the chart (1 to 360, default 15).
 */
export function deliveriesQuery(request: Request, now: Date): DeliveriesQuery {
  const filter: DeliveryFilter = {};
  const asked: Record<string, string | string[]> = {};
  const source = listOf(request, "source");
  if (source) [filter.source, asked.source] = [source, source];
  const outcome = listOf(request, "outcome");
  if (outcome) {
    const unknown = outcome.filter((each) => !OUTCOMES.includes(each as DeliveryOutcome));
    if (unknown.length > 0) throw badInput(`outcome ${unknown.join(", ")}: one or more of ${OUTCOMES.join(", ")}`);
    [filter.outcome, asked.outcome] = [outcome as DeliveryOutcome[], outcome];
  }
  const reason = listOf(request, "reason");
  if (reason) [filter.reason, asked.reason] = [reason, reason];
  for (const name of ["from", "to"] as const) {
    const text = single(request, name);
    if (text === undefined) continue;
    try {
      filter[name] = parseSince(text, now);
    } catch (error) {
      throw badInput(`${name}: ${(error as Error).message}`);
    }
    asked[name] = text;
  }
  if (filter.from && filter.to && filter.from >= filter.to) throw badInput("from must be before to");
  const beforeText = single(request, "before");
  const limitText = single(request, "limit");
  const limit = limitText === undefined ? 50 : /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= 500)) throw badInput("limit: a whole number of deliveries from 1 to 500 (default 50)");
  if (limitText !== undefined) asked.limit = limitText;
  const bucketText = single(request, "bucketMinutes");
  const bucketMinutes = bucketText === undefined ? 15 : /^\d+$/.test(bucketText) ? Number(bucketText) : Number.NaN;
  if (!(bucketMinutes >= 1 && bucketMinutes <= 360)) throw badInput("bucketMinutes: a whole number of minutes from 1 to 360 (default 15)");
  if (bucketText !== undefined) asked.bucketMinutes = bucketText;
  const to = filter.to ?? now;
  return {
    filter,
    before: beforeText === undefined ? undefined : decodeCursor(beforeText),
    limit,
    chart: { from: filter.from ?? new Date(to.getTime() - DAY_MS), to, bucketMinutes },
    asked,
  };
}

export async function deliveriesView(deps: ConsoleDeps, asked: DeliveriesQuery): Promise<DeliveriesView> {
  const page = await listDeliveries(deps.db, asked.filter, { limit: asked.limit, ...(asked.before ? { before: asked.before } : {}) });
  const counts = (await rejectionCounts(deps.db, { since: asked.chart.from, bucketMinutes: asked.chart.bucketMinutes })).filter(
    (count) =>
      count.bucket < asked.chart.to &&
      (!asked.filter.source || asked.filter.source.includes(count.source)) &&
      (!asked.filter.reason || asked.filter.reason.includes(count.reason ?? "")),
  );
  return { deliveries: page.items, next: page.next ? encodeCursor(page.next) : null, rejections: { ...asked.chart, counts } };
}

export const deliveriesArea: ConsoleArea = ({ api, pages }, deps) => {
  const now = (): Date => (deps.now ?? (() => new Date()))();
  api.get("/deliveries", async (request, response) => {
    response.json(await deliveriesView(deps, deliveriesQuery(request, now())));
  });
  pages.get("/deliveries", async (request, response) => {
    const asked = deliveriesQuery(request, now());
    const view = await deliveriesView(deps, asked);
    response.type("html").send(layout({ title: "Deliveries", section: "deliveries", caller: callerOf(response), body: deliveriesPage(deps, asked, view) }));
  });
};

/** One line per source and reason: a burst of one kind of rejection stands out from the rest. */
export function rejectionSeries(rejections: DeliveriesView["rejections"]) {
  const bucketMs = rejections.bucketMinutes * 60_000;
  const keys = [...new Set(rejections.counts.map((count) => `${count.source}: ${count.reason ?? "no reason"}`))].sort();
  return keys.map((key) =>
    filledSeries(
      key,
      rejections.counts.filter((count) => `${count.source}: ${count.reason ?? "no reason"}` === key),
      { from: rejections.from, to: rejections.to, bucketMs },
    ),
  );
}

function deliveriesPage(deps: ConsoleDeps, asked: DeliveriesQuery, view: DeliveriesView): Html {
  const value = (name: string): string => {
    const given = asked.asked[name];
    return Array.isArray(given) ? given.join(",") : (given ?? "");
  };
  return html`<form class="filters" method="get" action="/deliveries">
<label>Source <select name="source"><option value="">any</option>${deps.sources.map(
    (source) => html`<option value="${source.name}"${value("source") === source.name ? html` selected` : ""}>${source.name}</option>`,
  )}</select></label>
<label>Outcome <select name="outcome"><option value="">any</option>${OUTCOMES.map(
    (outcome) => html`<option value="${outcome}"${value("outcome") === outcome ? html` selected` : ""}>${outcome}</option>`,
  )}</select></label>
<label>Reason <input name="reason" value="${value("reason")}" placeholder="signature_mismatch"></label>
<label>From <input name="from" value="${value("from")}" placeholder="2h or ISO time"></label>
<label>To <input name="to" value="${value("to")}" placeholder="ISO time"></label>
<button type="submit">Filter</button>
<a href="/deliveries">clear</a>
</form>
<h2>Rejections by source and reason</h2>
${lineChart(rejectionSeries(view.rejections), {
  from: view.rejections.from,
  to: view.rejections.to,
  title: "Rejected deliveries by source and reason",
  unit: `rejections per ${view.rejections.bucketMinutes} minutes`,
})}
<h2>Requests</h2>
<table>
<thead><tr><th>Received</th><th>Source</th><th>Outcome</th><th>Status</th><th>Reason</th><th>Verified by</th><th>Event</th><th>Type</th><th>Client</th><th>Bytes</th></tr></thead>
<tbody>${view.deliveries.map(
    (delivery) => html`<tr id="delivery-${delivery.deliveryId}">
<td>${when(delivery.receivedAt)}</td>
<td>${delivery.source}</td>
<td><span class="state ${delivery.outcome}">${delivery.outcome}</span></td>
<td>${delivery.status}</td>
<td>${delivery.reason ?? ""}${delivery.verification.failure ? html` <span class="muted">${delivery.verification.failure}</span>` : ""}</td>
<td>${delivery.verification.secretIndex === null ? html`<span class="none">-</span>` : `${delivery.verification.scheme ?? ""} secret #${delivery.verification.secretIndex + 1}`}</td>
<td>${delivery.hubEventId ? html`<a href="/events/${encodeURIComponent(delivery.hubEventId)}">${delivery.hubEventId}</a>` : (delivery.providerEventId ?? "")}</td>
<td>${delivery.eventType ?? ""}</td>
<td class="mono">${delivery.client}</td>
<td>${delivery.bodyBytes}</td>
</tr>`,
  )}</tbody>
</table>
${view.deliveries.length === 0 ? html`<p class="none">No delivery matches.</p>` : ""}
<div class="pager">${view.next ? html`<a rel="next" href="/deliveries${query({ ...asked.asked, before: view.next })}">Older</a>` : html`<span class="none">No older deliveries.</span>`}</div>`;
}

const error = { $ref: "#/components/schemas/Error" };
const listParameter = (name: string, description: string) => ({
  name,
  in: "query",
  schema: { type: "array", items: { type: "string" } },
  style: "form",
  explode: true,
  description: `${description} Repeat it or separate with commas.`,
});

export const deliveriesPaths: OpenApiPaths = {
  "/api/deliveries": {
    get: {
      summary: "Every inbound request with its outcome, newest first and filterable; and rejections counted by source and reason over time",
      parameters: [
        listParameter("source", "Any of these sources."),
        listParameter("outcome", "Any of accepted, duplicate, ignored, rejected, unavailable."),
        listParameter("reason", "Any of these error codes (signature_mismatch, timestamp_out_of_tolerance, kafka_unavailable, ...)."),
        {
          name: "from",
          in: "query",
          schema: { type: "string" },
          description: "Received at or after: 30m, 2h, 3d back, or an ISO time. Also where the rejections chart starts (default a day back).",
        },
        { name: "to", in: "query", schema: { type: "string" }, description: "Received before: 30m, 2h, 3d back, or an ISO time." },
        { name: "before", in: "query", schema: { type: "string" }, description: "The `next` of the previous page." },
        { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
        {
          name: "bucketMinutes",
          in: "query",
          schema: { type: "integer", minimum: 1, maximum: 360, default: 15 },
          description: "The width of a rejection count's bucket.",
        },
      ],
      responses: {
        "200": {
          description:
            "deliveries[] (deliveryId, receivedAt, source, requestId, client, outcome, status, reason, bodyBytes, verification{scheme, secretIndex, failure}, hubEventId, providerEventId, eventType, headers); next: pass as ?before= for the next page (null on the last); rejections {from, to, bucketMinutes, counts[{bucket, source, reason, count}]}.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  deliveries: { type: "array", items: { type: "object" } },
                  next: { type: ["string", "null"] },
                  rejections: { type: "object" },
                },
              },
            },
          },
        },
        "400": {
          description: "A filter, cursor or limit the console cannot read; the message says what it takes.",
          content: { "application/json": { schema: error } },
        },
      },
    },
  },
};

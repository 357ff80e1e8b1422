import { deliveryCounts, secretUsage, type DeliveryOutcome } from "@hooklog/event-catalog";
import type { SourceConfig } from "@hooklog/sources";
import type { Request } from "express";
import { callerOf } from "../auth/guard.ts";
import { filledSeries, lineChart } from "../charts.ts";
import type { ConsoleArea, ConsoleDeps } from "../deps.ts";
import { badInput } from "../errors.ts";
import { html, type Html } from "../html.ts";
import type { OpenApiPaths } from "../openapi-types.ts";
import { layout } from "../pages/layout.ts";

const OUTCOMES: readonly DeliveryOutcome[] = ["accepted", "duplicate", "ignored", "rejected", "unavailable"];

/** A source's settings as the console shows them: everything but its secrets, of which only the number. */
export interface SourceSettings {
  name: string;
  provider: string;
  topic: string;
  partitions: number;
  maxBodyBytes: number;
  toleranceSeconds: number;
  rateLimit: SourceConfig["rateLimit"] | null;
  eventTypes: readonly string[] | null;
  contentEncodings: readonly string[];
  /** The names of the provider options the source sets: their values are not shown (a provider may keep a credential there). */
  optionNames: string[];
  /** Where its secrets are set; their values are never shown. */
  secretEnvVar: string;
  secretsConfigured: number;
}

export interface SourceView {
  settings: SourceSettings;
  /** Per outcome, deliveries per bucket: [{bucket, count}], only buckets that had some. */
  deliveries: Record<DeliveryOutcome, Array<{ bucket: Date; count: number }>>;
  /** Each configured secret's share of the verified deliveries in the window (0 once nothing uses it). */
  secrets: Array<{ secretIndex: number; deliveries: number; share: number }>;
  /** Verified by a secret that is no longer configured (the list was shortened). */
  unconfiguredSecretDeliveries: number;
}

export interface SourcesView {
  window: { from: Date; to: Date; bucketMinutes: number };
  sources: SourceView[];
}

/** Explicit, so a field added to SourceConfig (a secret, say) is never shown without someone choosing to. */
export const settingsOf = (source: SourceConfig): SourceSettings => ({
  name: source.name,
  provider: source.provider,
  topic: source.topic,
  partitions: source.partitions,
  maxBodyBytes: source.maxBodyBytes,
  toleranceSeconds: source.toleranceSeconds,
  rateLimit: source.rateLimit ?? null,
  eventTypes: source.eventTypes ?? null,
  contentEncodings: source.contentEncodings,
  optionNames: source.options && typeof source.options === "object" ? Object.keys(source.options).sort() : [],
  secretEnvVar: source.secretEnvVar,
  secretsConfigured: source.secrets.length,
});

function wholeNumber(request: Request, name: string, range: { min: number; max: number; fallback: number }, unit: string): number {
  const text = request.query[name];
  if (text === undefined) return range.fallback;
  const value = typeof text === "string" && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= range.min && value <= range.max))
    throw badInput(`${name}: a whole number of ${unit} from ${range.min} to ${range.max} (default ${range.fallback})`);
  return value;
}

/** ?hours=1..24 (default 24), ?bucketMinutes=1..60 (default 10). */
export function sourcesWindow(request: Request, now: Date): SourcesView["window"] {
  const hours = wholeNumber(request, "hours", { min: 1, max: 24, fallback: 24 }, "hours");
  const bucketMinutes = wholeNumber(request, "bucketMinutes", { min: 1, max: 60, fallback: 10 }, "minutes");
  return { from: new Date(now.getTime() - hours * 3_600_000), to: now, bucketMinutes };
}

export async function sourcesView(deps: ConsoleDeps, window: SourcesView["window"]): Promise<SourcesView> {
  const counts = await deliveryCounts(deps.db, { since: window.from, bucketMinutes: window.bucketMinutes });
  const sources: SourceView[] = [];
  for (const source of deps.sources) {
    const usage = await secretUsage(deps.db, source.name, window.from);
    const deliveries = Object.fromEntries(
      OUTCOMES.map((outcome) => [
        outcome,
        counts.filter((count) => count.source === source.name && count.outcome === outcome).map(({ bucket, count }) => ({ bucket, count })),
      ]),
    ) as SourceView["deliveries"];
    const secrets = source.secrets.map((_, secretIndex) => {
      const used = usage.find((each) => each.secretIndex === secretIndex);
      return { secretIndex, deliveries: used?.deliveries ?? 0, share: used?.share ?? 0 };
    });
    const unconfiguredSecretDeliveries = usage.filter((each) => each.secretIndex >= source.secrets.length).reduce((sum, each) => sum + each.deliveries, 0);
    sources.push({ settings: settingsOf(source), deliveries, secrets, unconfiguredSecretDeliveries });
  }
  return { window, sources };
}

export const sourcesArea: ConsoleArea = ({ api, pages }, deps) => {
  const now = (): Date => (deps.now ?? (() => new Date()))();
  api.get("/sources", async (request, response) => {
    response.json(await sourcesView(deps, sourcesWindow(request, now())));
  });
  pages.get("/sources", async (request, response) => {
    const view = await sourcesView(deps, sourcesWindow(request, now()));
    response.type("html").send(layout({ title: "Sources", section: "sources", caller: callerOf(response), body: sourcesPage(view) }));
  });
};

function sourcesPage(view: SourcesView): Html {
  const { window } = view;
  const bucketMs = window.bucketMinutes * 60_000;
  const hours = Math.round((window.to.getTime() - window.from.getTime()) / 3_600_000);
  return html`<form class="filters" method="get" action="/sources">
<label>Hours <input name="hours" type="number" min="1" max="24" value="${hours}"></label>
<label>Bucket (minutes) <input name="bucketMinutes" type="number" min="1" max="60" value="${window.bucketMinutes}"></label>
<button type="submit">Show</button>
</form>
${view.sources.length === 0 ? html`<p class="none">No source is configured (hooklog.config.yaml).</p>` : ""}
${view.sources.map(
  (source) => html`<section class="card" id="source-${source.settings.name}">
<h2>${source.settings.name} <span class="muted">${source.settings.provider}</span></h2>
<dl class="grid">
<dt>Endpoint</dt><dd><code>POST /webhooks/${source.settings.name}</code></dd>
<dt>Topic</dt><dd><code>${source.settings.topic}</code> (${source.settings.partitions} partitions)</dd>
<dt>Largest body</dt><dd>${source.settings.maxBodyBytes} bytes</dd>
<dt>Timestamp tolerance</dt><dd>${source.settings.toleranceSeconds} s</dd>
<dt>Rate limit</dt><dd>${source.settings.rateLimit ? `${source.settings.rateLimit.requestsPerSecond}/s, burst ${source.settings.rateLimit.burst ?? "-"}` : "none"}</dd>
<dt>Event types</dt><dd>${source.settings.eventTypes ? source.settings.eventTypes.join(", ") : "every type"}</dd>
<dt>Content encodings</dt><dd>${source.settings.contentEncodings.length > 0 ? source.settings.contentEncodings.join(", ") : "identity only"}</dd>
<dt>Provider options</dt><dd>${source.settings.optionNames.length === 0 ? "none" : html`<code>${source.settings.optionNames.join(", ")}</code> <span class="muted">(values not shown)</span>`}</dd>
<dt>Secrets</dt><dd><code>${source.settings.secretEnvVar}</code>: ${source.settings.secretsConfigured === 0 ? html`<span class="problem">none set</span>` : `${source.settings.secretsConfigured} configured`}</dd>
</dl>
<h3>Deliveries per minute by outcome</h3>
${lineChart(
  OUTCOMES.filter((outcome) => source.deliveries[outcome].length > 0).map((outcome) =>
    filledSeries(outcome, source.deliveries[outcome], { from: window.from, to: window.to, bucketMs }, 1 / window.bucketMinutes),
  ),
  { from: window.from, to: window.to, title: `Deliveries to ${source.settings.name}`, unit: `deliveries per minute (${window.bucketMinutes}-minute average)` },
)}
<h3>Secret rotation</h3>
${secretRotation(source)}
</section>`,
)}`;
}

function secretRotation(source: SourceView): Html {
  if (source.secrets.length === 0) return html`<p class="none">No secret configured.</p>`;
  const verified = source.secrets.reduce((sum, each) => sum + each.deliveries, 0) + source.unconfiguredSecretDeliveries;
  // `hooklog secrets rotate` puts the new secret first: the ones after it are the old ones.
  const old = source.secrets.slice(1);
  const advice =
    source.secrets.length < 2
      ? "One secret: no rotation under way."
      : verified === 0
        ? "No verified delivery in this window: wait for traffic before removing a secret."
        : old.every((each) => each.deliveries === 0)
          ? `Every delivery in this window was verified by the first (newest) secret: the others can be removed from ${source.settings.secretEnvVar}.`
          : "Deliveries are still verified by an older secret (the sender still signs with it): keep it.";
  return html`<table><thead><tr><th>Secret</th><th>Deliveries verified</th><th>Share</th></tr></thead><tbody>${source.secrets.map(
    (each) =>
      html`<tr><td>#${each.secretIndex + 1}${each.secretIndex === 0 && source.secrets.length > 1 ? " (newest)" : ""}</td><td>${each.deliveries}</td><td>${(each.share * 100).toFixed(1)} %</td></tr>`,
  )}</tbody></table>
<p class="muted">${advice}</p>`;
}

const error = { $ref: "#/components/schemas/Error" };

export const sourcesPaths: OpenApiPaths = {
  "/api/sources": {
    get: {
      summary:
        "Every source's settings (never its secrets: the variable that holds them and how many), its deliveries per bucket by outcome, and each secret's share of the verified deliveries",
      parameters: [
        { name: "hours", in: "query", schema: { type: "integer", minimum: 1, maximum: 24, default: 24 }, description: "How far back the counts go." },
        {
          name: "bucketMinutes",
          in: "query",
          schema: { type: "integer", minimum: 1, maximum: 60, default: 10 },
          description: "The width of a count's bucket.",
        },
      ],
      responses: {
        "200": {
          description:
            "window {from, to, bucketMinutes}; sources[]: settings, deliveries {accepted|duplicate|ignored|rejected|unavailable: [{bucket, count}]} (buckets with none left out), secrets [{secretIndex, deliveries, share}] per configured secret (0 = the first of <NAME>_WEBHOOK_SECRET), unconfiguredSecretDeliveries.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  window: { type: "object" },
                  sources: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        settings: {
                          type: "object",
                          properties: {
                            name: { type: "string" },
                            provider: { type: "string" },
                            topic: { type: "string" },
                            secretEnvVar: { type: "string" },
                            secretsConfigured: { type: "integer" },
                          },
                        },
                        deliveries: { type: "object", additionalProperties: { type: "array", items: { type: "object" } } },
                        secrets: { type: "array", items: { type: "object" } },
                        unconfiguredSecretDeliveries: { type: "integer" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        "400": { description: "hours or bucketMinutes out of range.", content: { "application/json": { schema: error } } },
      },
    },
  },
};

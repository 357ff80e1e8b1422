// Small SVG charts the pages draw on the server: no chart library, no script, no inline style (the
// content security policy allows none). Colours are SVG presentation attributes, which it allows.
import { type Html, html } from "./html.ts";

export interface ChartPoint {
  at: Date;
  value: number;
}

export interface ChartSeries {
  label: string;
  points: readonly ChartPoint[];
}

export interface ChartFrame {
  /** What the chart shows, read by screen readers and shown on hover. */
  title: string;
  from: Date;
  to: Date;
  /** What a value on the y axis counts, e.g. "deliveries per minute". */
  unit: string;
  width?: number;
  height?: number;
}

export interface ChartBar {
  at: Date;
  /** The bar's parts, stacked in the order of `labels`. */
  parts: Readonly<Record<string, number>>;
}

/** Distinct enough side by side, readable on white. */
export const PALETTE = ["#0b63c5", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#0a7f8c", "#bc4c00", "#57606a"] as const;

export const colourOf = (index: number): string => PALETTE[index % PALETTE.length] ?? "#57606a";

const MARGIN = { left: 44, right: 8, top: 8, bottom: 20 };
const LEGEND_ROW = 14;

interface Plot {
  width: number;
  height: number;
  x(at: Date): number;
  y(value: number): number;
  max: number;
}

function plotOf(frame: ChartFrame, max: number, legendRows: number): Plot {
  const width = frame.width ?? 640;
  const height = (frame.height ?? 160) + legendRows * LEGEND_ROW;
  const span = Math.max(1, frame.to.getTime() - frame.from.getTime());
  const bottom = height - MARGIN.bottom - legendRows * LEGEND_ROW;
  const top = MARGIN.top;
  const ceiling = niceCeiling(max);
  return {
    width,
    height,
    max: ceiling,
    x: (at) => round(MARGIN.left + ((at.getTime() - frame.from.getTime()) / span) * (width - MARGIN.left - MARGIN.right)),
    y: (value) => round(bottom - (value / ceiling) * (bottom - top)),
  };
}

const round = (value: number): number => Math.round(value * 10) / 10;

/** The y axis's top: 1, 2 or 5 times a power of ten, at or above the largest value. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const shortTime = (at: Date): string => at.toISOString().slice(11, 16);

function axes(plot: Plot, frame: ChartFrame, legendRows: number): Html {
  const bottom = plot.y(0);
  const left = MARGIN.left;
  const right = plot.width - MARGIN.right;
  const middle = new Date((frame.from.getTime() + frame.to.getTime()) / 2);
  const labelY = plot.height - legendRows * LEGEND_ROW - 6;
  return html`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#d8dee4"/>
<line x1="${left}" y1="${MARGIN.top}" x2="${left}" y2="${bottom}" stroke="#d8dee4"/>
<text x="${left - 4}" y="${MARGIN.top + 8}" text-anchor="end">${formatValue(plot.max)}</text>
<text x="${left - 4}" y="${bottom}" text-anchor="end">0</text>
<text x="${left}" y="${labelY}">${shortTime(frame.from)}</text>
<text x="${plot.x(middle)}" y="${labelY}" text-anchor="middle">${shortTime(middle)}</text>
<text x="${right}" y="${labelY}" text-anchor="end">${shortTime(frame.to)} UTC</text>`;
}

const formatValue = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1));

function legend(labels: readonly string[], plot: Plot): Html {
  const top = plot.height - labels.length * LEGEND_ROW;
  return html`${labels.map(
    (label, index) =>
      html`<rect x="${MARGIN.left}" y="${top + index * LEGEND_ROW + 2}" width="10" height="10" fill="${colourOf(index)}"/><text x="${MARGIN.left + 14}" y="${top + index * LEGEND_ROW + 11}">${label}</text>`,
  )}`;
}

function frameOf(frame: ChartFrame, body: Html, plot: Plot): Html {
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="${plot.width}" height="${plot.height}" viewBox="0 0 ${plot.width} ${plot.height}"><title>${frame.title} (${frame.unit})</title>${body}</svg>`;
}

/** Nothing to draw: says so in the chart's place, so an empty chart is never mistaken for zero. */
function empty(frame: ChartFrame): Html {
  const width = frame.width ?? 640;
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="40" viewBox="0 0 ${width} 40"><title>${frame.title}</title><text x="${MARGIN.left}" y="24">No ${frame.unit} between ${shortTime(frame.from)} and ${shortTime(frame.to)} UTC.</text></svg>`;
}

/** One line per series, its points in time order; a series of one point is drawn as a dot. */
export function lineChart(series: readonly ChartSeries[], frame: ChartFrame): Html {
  const drawn = series.filter((each) => each.points.length > 0);
  if (drawn.length === 0) return empty(frame);
  const max = Math.max(...drawn.flatMap((each) => each.points.map((point) => point.value)));
  const plot = plotOf(frame, max, drawn.length);
  const lines = drawn.map((each, index) => {
    const points = [...each.points].sort((a, b) => a.at.getTime() - b.at.getTime());
    const [only] = points;
    if (points.length === 1 && only)
      return html`<circle cx="${plot.x(only.at)}" cy="${plot.y(only.value)}" r="2.5" fill="${colourOf(index)}"><title>${each.label}</title></circle>`;
    const coordinates = points.map((point) => `${plot.x(point.at)},${plot.y(point.value)}`).join(" ");
    return html`<polyline fill="none" stroke="${colourOf(index)}" stroke-width="1.5" points="${coordinates}"><title>${each.label}</title></polyline>`;
  });
  return frameOf(
    frame,
    html`${axes(plot, frame, drawn.length)}${lines}${legend(
      drawn.map((each) => each.label),
      plot,
    )}`,
    plot,
  );
}

/** One stacked bar per time bucket (`bucketMs` wide), its parts in the order of `labels`. */
export function stackedBarChart(bars: readonly ChartBar[], labels: readonly string[], frame: ChartFrame & { bucketMs: number }): Html {
  const totals = bars.map((bar) => labels.reduce((sum, label) => sum + (bar.parts[label] ?? 0), 0));
  if (bars.length === 0 || labels.length === 0 || totals.every((total) => total === 0)) return empty(frame);
  const plot = plotOf(frame, Math.max(...totals), labels.length);
  const rects = bars.map((bar) => {
    const left = plot.x(bar.at);
    const width = Math.max(1, round(plot.x(new Date(bar.at.getTime() + frame.bucketMs)) - left - 1));
    let base = 0;
    return labels.map((label, index) => {
      const value = bar.parts[label] ?? 0;
      if (value === 0) return html``;
      const top = plot.y(base + value);
      const height = round(plot.y(base) - top);
      base += value;
      return html`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="${colourOf(index)}"><title>${label}: ${value} at ${bar.at.toISOString()}</title></rect>`;
    });
  });
  return frameOf(frame, html`${axes(plot, frame, labels.length)}${rects}${legend(labels, plot)}`, plot);
}

/**
 * Counts per bucket as a series with every bucket from `from` to `to`, the missing ones 0: a query
 * answers only buckets that had something, and a line between two of them would hide the quiet.
 */
export function filledSeries(
  label: string,
  counts: ReadonlyArray<{ bucket: Date; count: number }>,
  window: { from: Date; to: Date; bucketMs: number },
  scale = 1,
): ChartSeries {
  const byBucket = new Map(counts.map((each) => [each.bucket.getTime(), each.count]));
  const points: ChartPoint[] = [];
  const first = Math.floor(window.from.getTime() / window.bucketMs) * window.bucketMs;
  for (let at = first; at <= window.to.getTime(); at += window.bucketMs) points.push({ at: new Date(at), value: (byBucket.get(at) ?? 0) * scale });
  return { label, points };
}

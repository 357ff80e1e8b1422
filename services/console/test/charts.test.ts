import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { filledSeries, lineChart, niceCeiling, stackedBarChart } from "../src/charts.ts";

const from = new Date("2026-01-01T00:00:00Z");
const to = new Date("2026-01-01T01:00:00Z");
const minute = (n: number): Date => new Date(from.getTime() + n * 60_000);

/** Every opened element is closed, in order: the SVG is well-formed (no XML parser in the runtime). */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes <${stack.at(-1)}>`);
    else stack.push(name ?? "");
  }
  assert.deepEqual(stack, [], "every element is closed");
  assert.match(svg, /^<svg class="chart" xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
}

const pointsOf = (svg: string): string[][] => [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map(([, points]) => (points ?? "").split(" "));

describe("charts", () => {
  it("draws one polyline per series with one point per value, within the frame", () => {
    const svg = lineChart(
      [
        { label: "orders/0", points: [0, 10, 20, 30].map((n) => ({ at: minute(n), value: n })) },
        { label: "orders/1", points: [0, 60].map((n) => ({ at: minute(n), value: 5 })) },
      ],
      { from, to, title: "Lag", unit: "messages", width: 600, height: 100 },
    ).text;
    assertWellFormed(svg);
    const lines = pointsOf(svg);
    assert.deepEqual(
      lines.map((line) => line.length),
      [4, 2],
    );
    for (const [x, y] of lines.flat().map((pair) => pair.split(",").map(Number))) {
      assert.ok((x ?? -1) >= 0 && (x ?? 601) <= 600, `x ${x} inside the width`);
      assert.ok((y ?? -1) >= 0 && (y ?? 1000) <= 100, `y ${y} inside the plot`);
    }
    assert.match(svg, /<title>Lag \(messages\)<\/title>/);
    assert.match(svg, />orders\/0<\/text>/, "the legend names each series");
  });

  it("puts the largest value at the top of a round ceiling and zero on the axis", () => {
    const svg = lineChart(
      [
        {
          label: "a",
          points: [
            { at: from, value: 0 },
            { at: to, value: 50 },
          ],
        },
      ],
      { from, to, title: "t", unit: "u", width: 600, height: 100 },
    ).text;
    const [[start, end]] = pointsOf(svg) as [[string, string]];
    assert.equal(start, "44,80", "zero on the x axis, at the left edge of the plot");
    assert.equal(end, "592,8", "50 at the top: the ceiling is 50");
    assert.deepEqual([niceCeiling(0), niceCeiling(0.3), niceCeiling(7), niceCeiling(11), niceCeiling(250)], [1, 0.5, 10, 20, 500]);
  });

  it("escapes labels and titles", () => {
    const svg = lineChart(
      [
        {
          label: "<script>",
          points: [
            { at: from, value: 1 },
            { at: to, value: 2 },
          ],
        },
      ],
      { from, to, title: 'a "b"', unit: "u" },
    ).text;
    assert.doesNotMatch(svg, /<script>/);
    assert.match(svg, /&lt;script&gt;/);
    assert.match(svg, /a &quot;b&quot;/);
  });

  it("says there is nothing to draw instead of drawing an empty frame", () => {
    const svg = lineChart([{ label: "a", points: [] }], { from, to, title: "Rejections", unit: "rejections" }).text;
    assertWellFormed(svg);
    assert.doesNotMatch(svg, /<polyline/);
    assert.match(svg, /No rejections between 00:00 and 01:00 UTC/);
  });

  it("draws a series of one point as a dot", () => {
    const svg = lineChart([{ label: "a", points: [{ at: minute(30), value: 3 }] }], { from, to, title: "t", unit: "u" }).text;
    assertWellFormed(svg);
    assert.equal([...svg.matchAll(/<circle /g)].length, 1);
  });

  it("stacks a bar's parts, one rect per non-zero part", () => {
    const svg = stackedBarChart(
      [
        { at: minute(0), parts: { accepted: 3, rejected: 1 } },
        { at: minute(10), parts: { accepted: 0, rejected: 2 } },
      ],
      ["accepted", "rejected"],
      { from, to, title: "Deliveries", unit: "per 10 minutes", bucketMs: 600_000, width: 600, height: 100 },
    ).text;
    assertWellFormed(svg);
    const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="[^"]+"><title>([^<]*)<\/title>/g)];
    assert.deepEqual(
      rects.map((rect) => rect[5]?.split(" at ")[0]),
      ["accepted: 3", "rejected: 1", "rejected: 2"],
    );
    const [accepted, rejected] = rects as [RegExpExecArray, RegExpExecArray];
    assert.equal(Number(rejected[2]) + Number(rejected[4]), Number(accepted[2]), "the second part sits on the first");
  });

  it("fills the buckets a query left out with zeros", () => {
    const series = filledSeries("accepted", [{ bucket: minute(20), count: 4 }], { from, to, bucketMs: 600_000 }, 0.5);
    assert.deepEqual(
      series.points.map((point) => point.value),
      [0, 0, 2, 0, 0, 0, 0],
    );
    assert.equal(series.points[2]?.at.toISOString(), minute(20).toISOString());
  });
});

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SinceError, coversCheckpoint, parseSince, runWindow } from "../src/window.ts";

const now = new Date("2025-03-10T12:00:00Z");
const MINUTE = 60_000;

describe("the run window", () => {
  it("since takes 90s, 30m, 2h, 3d back from now, or an ISO time", () => {
    assert.equal(parseSince("90s", now).toISOString(), "2025-03-10T11:58:30.000Z");
    assert.equal(parseSince("30m", now).toISOString(), "2025-03-10T11:30:00.000Z");
    assert.equal(parseSince("2h", now).toISOString(), "2025-03-10T10:00:00.000Z");
    assert.equal(parseSince("3d", now).toISOString(), "2025-03-07T12:00:00.000Z");
    assert.equal(parseSince("2025-03-09T08:15:00Z", now).toISOString(), "2025-03-09T08:15:00.000Z");
  });

  it("since refuses anything else, and times in the future, saying what it takes", () => {
    for (const text of ["2 hours", "yesterday", "-2h", "", "2025-13-45"]) assert.throws(() => parseSince(text, now), SinceError);
    assert.throws(() => parseSince("2025-03-11T00:00:00Z", now), /in the future/);
  });

  it("starts at the checkpoint minus the overlap, at since when given, else the initial lookback", () => {
    const checkpoint = new Date("2025-03-10T11:00:00Z");
    const options = { now, overlapMs: 10 * MINUTE, initialLookbackMs: 24 * 60 * MINUTE };

    assert.deepEqual(runWindow({ ...options, checkpoint, since: undefined }), { start: new Date("2025-03-10T10:50:00Z"), end: now, basis: "checkpoint" });
    assert.deepEqual(runWindow({ ...options, checkpoint, since: new Date("2025-03-10T11:30:00Z") }), { start: new Date("2025-03-10T11:30:00Z"), end: now, basis: "since" });
    assert.deepEqual(runWindow({ ...options, checkpoint: undefined, since: undefined }), { start: new Date("2025-03-09T12:00:00Z"), end: now, basis: "initial" });
  });

  it("a run that started after the checkpoint (a short since) does not cover it, so the checkpoint stays", () => {
    const checkpoint = new Date("2025-03-10T10:00:00Z");

    assert.equal(coversCheckpoint({ start: new Date("2025-03-10T11:30:00Z"), end: now, basis: "since" }, checkpoint), false);
    assert.equal(coversCheckpoint({ start: new Date("2025-03-10T09:50:00Z"), end: now, basis: "checkpoint" }, checkpoint), true);
    assert.equal(coversCheckpoint({ start: new Date("2025-03-10T11:30:00Z"), end: now, basis: "since" }, undefined), true);
  });
});

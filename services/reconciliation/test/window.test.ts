import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { coversCheckpoint, runWindow } from "../src/window.ts";

const now = new Date("2025-03-10T12:00:00Z");
const MINUTE = 60_000;

describe("the run window", () => {
  it("starts at the checkpoint minus the overlap, at since when given, else the initial lookback", () => {
    const checkpoint = new Date("2025-03-10T11:00:00Z");
    const options = { now, overlapMs: 10 * MINUTE, initialLookbackMs: 24 * 60 * MINUTE };

    assert.deepEqual(runWindow({ ...options, checkpoint, since: undefined }), { start: new Date("2025-03-10T10:50:00Z"), end: now, basis: "checkpoint" });
    assert.deepEqual(runWindow({ ...options, checkpoint, since: new Date("2025-03-10T11:30:00Z") }), {
      start: new Date("2025-03-10T11:30:00Z"),
      end: now,
      basis: "since",
    });
    assert.deepEqual(runWindow({ ...options, checkpoint: undefined, since: undefined }), {
      start: new Date("2025-03-09T12:00:00Z"),
      end: now,
      basis: "initial",
    });
  });

  it("a run that started after the checkpoint (a short since) does not cover it, so the checkpoint stays", () => {
    const checkpoint = new Date("2025-03-10T10:00:00Z");

    assert.equal(coversCheckpoint({ start: new Date("2025-03-10T11:30:00Z"), end: now, basis: "since" }, checkpoint), false);
    assert.equal(coversCheckpoint({ start: new Date("2025-03-10T09:50:00Z"), end: now, basis: "checkpoint" }, checkpoint), true);
    assert.equal(coversCheckpoint({ start: new Date("2025-03-10T11:30:00Z"), end: now, basis: "since" }, undefined), true);
  });
});

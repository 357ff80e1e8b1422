// A destination's circuit, on an injected clock: when it opens, who probes, how the interval grows, when it closes.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Circuit } from "../src/circuit.ts";

function circuitAt(start: number) {
  let now = start;
  const told: string[] = [];
  const circuit = new Circuit(
    { failures: 3, probeSeconds: 1, maxProbeSeconds: 3 },
    { opened: (failures, probeMs) => told.push(`opened after ${failures}, probe in ${probeMs}`), closed: (pausedMs) => told.push(`closed after ${pausedMs}`) },
    () => now,
  );
  return { circuit, told, advance: (ms: number) => (now += ms) };
}

const boom = new Error("503");

describe("a destination's circuit", () => {
  it("stays closed below the threshold, and a success resets the count", () => {
    const { circuit, told } = circuitAt(0);
    circuit.failed(boom);
    circuit.failed(boom);
    circuit.succeeded();
    circuit.failed(boom);
    circuit.failed(boom);
    assert.equal(circuit.open, false);
    assert.equal(circuit.admit(), undefined);
    assert.deepEqual(told, []);
  });

  it("opens at the threshold, holds deliveries until the probe is due, lets one probe through, and doubles the interval up to its maximum", () => {
    const { circuit, told, advance } = circuitAt(1_000);
    for (let failure = 0; failure < 3; failure += 1) circuit.failed(boom);
    assert.equal(circuit.open, true);
    assert.deepEqual(told, ["opened after 3, probe in 1000"]);
    assert.equal(circuit.admit(), 2_000, "held until the probe, and one interval more for those behind it");
    advance(1_000);
    assert.equal(circuit.admit(), undefined, "the probe");
    assert.equal(circuit.admit(), 1_000, "one probe at a time");
    circuit.failed(boom);
    assert.equal(circuit.nextProbeInMs, 2_000);
    advance(2_000);
    assert.equal(circuit.admit(), undefined);
    circuit.failed(boom);
    assert.equal(circuit.nextProbeInMs, 3_000, "capped at maxProbeSeconds");
    assert.equal(told.length, 1, "one warning while it stays open");
  });

  it("closes when a probe delivers, and says how long it was paused", () => {
    const { circuit, told, advance } = circuitAt(0);
    for (let failure = 0; failure < 3; failure += 1) circuit.failed(boom);
    advance(1_500);
    assert.equal(circuit.admit(), undefined);
    circuit.succeeded();
    assert.equal(circuit.open, false);
    assert.equal(circuit.admit(), undefined);
    assert.deepEqual(told, ["opened after 3, probe in 1000", "closed after 1500"]);
  });
});

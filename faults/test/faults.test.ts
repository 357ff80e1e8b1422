// The faults run, short: one broker, 50 deliveries/s, a few seconds per fault, every fault of the
// catalogue, on a stack of its own (never the shared one's ports or state), torn down even on failure.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { FAULT_NAMES } from "../src/faults.ts";
import { runFaults } from "../src/run.ts";

describe("Hooklog under every fault of the catalogue", () => {
  it("answers 2xx only for what is in Kafka, applies every effect once, and none twice", { timeout: 330_000 }, async () => {
    const run = await runFaults({ rate: 50, faultSeconds: 3, recoverySeconds: 4, only: FAULT_NAMES, keepState: false }, (line) => {
      process.stdout.write(`faults: ${line}\n`);
    });
    process.stdout.write(`\n${run.table}\n\n`);
    const report = `\n${run.table}\n${[...run.failures.slice(0, 30), ...run.notes].join("\n")}`;
    const row = (phase: string) => run.verdict.rows.find((each) => each.phase === phase);

    assert.deepEqual(run.verdict.lost, [], `answered 2xx, not in Kafka:${report}`);
    assert.deepEqual(run.verdict.doubled, [], `effects applied twice:${report}`);
    assert.deepEqual(run.verdict.missing, [], `effects never applied:${report}`);
    assert.deepEqual(run.verdict.problems, [], `answers a provider must never get:${report}`);
    assert.deepEqual(run.verdict.unexpected, [], `effects of no event:${report}`);
    // Every phase carried load into Kafka, and the faults were real: ingest refused or failed to answer while Kafka or it was down.
    for (const phase of ["baseline", ...FAULT_NAMES]) assert.ok((row(phase)?.inKafka ?? 0) > 0, `no event of ${phase} reached Kafka:${report}`);
    assert.ok((row("kafka-kill")?.answered503 ?? 0) > 0, `Kafka killed, yet nothing was answered 503:${report}`);
    assert.ok((row("ingest-kill")?.unanswered ?? 0) > 0, `ingest killed, yet every delivery was answered:${report}`);
  });
});

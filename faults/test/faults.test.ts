// The faults run, short: one broker, 50 deliveries/s, 2 s per fault and 3 s of recovery, every
// fault of the catalogue, on a stack of its own (never the shared one's ports or state), torn down
// even when it fails.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { FAULT_NAMES } from "../src/faults.ts";
import { runFaults } from "../src/run.ts";

describe("Hooklog under every fault of the catalogue", () => {
  let run: Awaited<ReturnType<typeof runFaults>>;
  let report: string;

  before(
    async () => {
      run = await runFaults({ rate: 50, faultSeconds: 2, recoverySeconds: 3, only: FAULT_NAMES, keepState: false }, (line) => {
        process.stdout.write(`faults: ${line}\n`);
      });
      process.stdout.write(`\n${run.table}\n\n`);
      report = `\n${run.table}\n${[...run.failures.slice(0, 30), ...run.notes].join("\n")}`;
    },
    { timeout: 330_000 },
  );

  it("answers 2xx only for what is in Kafka, and applies every expected effect", () => {
    const row = (phase: string) => run.verdict.rows.find((each) => each.phase === phase);
    assert.deepEqual(run.verdict.lost, [], `answered 2xx, not in Kafka:${report}`);
    assert.deepEqual(run.verdict.missing, [], `effects never applied:${report}`);
    assert.deepEqual(run.verdict.problems, [], `answers a provider must never get:${report}`);
    assert.deepEqual(run.verdict.unexpected, [], `effects of no event:${report}`);
    // Every phase carried load into Kafka, and the faults were real: ingest refused or failed to answer while Kafka or it was down.
    for (const phase of ["baseline", ...FAULT_NAMES]) assert.ok((row(phase)?.inKafka ?? 0) > 0, `no event of ${phase} reached Kafka:${report}`);
    assert.ok((row("kafka-kill")?.answered503 ?? 0) > 0, `Kafka killed, yet nothing was answered 503:${report}`);
    assert.ok((row("ingest-kill")?.unanswered ?? 0) > 0, `ingest killed, yet every delivery was answered:${report}`);
  });

  // A consumer interrupted between an outside call and the kit's record of it makes the call again,
  // told by once() that an earlier attempt may have made it: deployments looks at the deployment's
  // statuses, alerts at the Slack channel's history (Web API), PagerDuty folds by dedup key.
  it("applies no effect twice", () => {
    assert.deepEqual(run.verdict.doubled, [], `effects applied twice:${report}`);
  });
});

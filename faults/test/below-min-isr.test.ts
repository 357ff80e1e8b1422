// The verdict on a three-broker fault that leaves fewer brokers than min.insync.replicas: a 2xx to a
// request sent after the kill and answered before the restart began is a failure; one sent before
// the kill, or answered only after the restart began, is not.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { DeliveryLog } from "../src/delivery-log.ts";
import type { PlannedEvent } from "../src/event-mix.ts";
import { judge, type PhaseWindow } from "../src/verdict.ts";

const KILLED_AT = 10_000;
const RESTART_AT = 20_000;
const window: PhaseWindow = {
  name: "two-brokers-kill",
  startedAt: 0,
  injectedAt: KILLED_AT - 5,
  faultEndedAt: RESTART_AT,
  endedAt: 40_000,
  belowMinIsr: { from: KILLED_AT, until: RESTART_AT },
};

/** One event of the phase, posted once: sent and answered at these times with this status. */
function logOf(posts: ReadonlyArray<{ sentAt: number; answeredAt: number; status: number; outcome?: string }>): DeliveryLog {
  const log = new DeliveryLog();
  posts.forEach(({ sentAt, answeredAt, status, outcome }, index) => {
    const event: PlannedEvent = { key: `stripe:evt_${index}`, source: "stripe", kind: "invoice.paid", phase: window.name, bytes: 100, effects: [] };
    log.add(event);
    log.post({
      eventKey: event.key,
      phase: window.name,
      sentAt,
      answeredAt,
      status,
      outcome: outcome ?? (status === 202 ? "accepted" : "kafka_unavailable"),
      redelivery: false,
    });
  });
  return log;
}

const verdictOf = (log: DeliveryLog) => {
  const inKafka = new Map([...log.events.keys()].map((key) => [key, [{ partition: 0, offset: "0", eventId: key, receivedAt: 0 }]]));
  return judge(
    log,
    [window],
    inKafka,
    new Map(),
    () => [],
    () => undefined,
  );
};

describe("2xx while fewer brokers than min.insync.replicas ran", () => {
  it("fails a 2xx to a request sent after the kill and answered before the restart began", () => {
    const verdict = verdictOf(logOf([{ sentAt: KILLED_AT + 1000, answeredAt: KILLED_AT + 1200, status: 202 }]));
    assert.equal(verdict.rows[0]?.answered2xxBelowMinIsr, 1);
    assert.equal(verdict.belowMinIsr.length, 1);
    assert.match(verdict.belowMinIsr[0] ?? "", /^two-brokers-kill: stripe:evt_0 sent 1\.000 s after/);
  });

  it("does not count a request sent before the kill, answered 2xx just after it", () => {
    const verdict = verdictOf(logOf([{ sentAt: KILLED_AT - 1, answeredAt: KILLED_AT + 50, status: 202 }]));
    assert.equal(verdict.rows[0]?.answered2xxBelowMinIsr, 0);
    assert.deepEqual(verdict.belowMinIsr, []);
  });

  it("does not count a redelivery answered 2xx duplicate from ingest's ledger (its event was acknowledged before)", () => {
    const verdict = verdictOf(logOf([{ sentAt: KILLED_AT + 1000, answeredAt: KILLED_AT + 1100, status: 200, outcome: "duplicate" }]));
    assert.equal(verdict.rows[0]?.answered2xxBelowMinIsr, 0);
    assert.deepEqual(verdict.belowMinIsr, []);
  });

  it("does not count 503s, and notes a 2xx that came only after the restart began", () => {
    const verdict = verdictOf(
      logOf([
        { sentAt: KILLED_AT + 2000, answeredAt: KILLED_AT + 12_000, status: 503 },
        { sentAt: RESTART_AT - 3000, answeredAt: RESTART_AT + 4000, status: 202 },
      ]),
    );
    assert.equal(verdict.rows[0]?.answered2xxBelowMinIsr, 0);
    assert.deepEqual(verdict.belowMinIsr, []);
    assert.equal(verdict.acknowledgedAfterRestart.length, 1);
    assert.match(verdict.acknowledgedAfterRestart[0] ?? "", /1 request\(s\) sent .*\(the first 4\.0 s after it\)/);
  });

  it("leaves the column empty for a phase that kept enough brokers", () => {
    const log = logOf([{ sentAt: KILLED_AT + 1000, answeredAt: KILLED_AT + 1200, status: 202 }]);
    const verdict = judge(
      log,
      [{ ...window, belowMinIsr: undefined }],
      new Map(),
      new Map(),
      () => [],
      () => undefined,
    );
    assert.equal(verdict.rows[0]?.answered2xxBelowMinIsr, undefined);
  });
});

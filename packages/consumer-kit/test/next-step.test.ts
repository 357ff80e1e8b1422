// Where a failed attempt goes next: its retry level and due time, or the dead letters; and an attempt
// the handler declined to make (a paused destination) that is not counted against maxAttempts.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { defineConsumer, RetryLaterError } from "../src/index.ts";
import { nextStep } from "../src/router.ts";

const definition = defineConsumer({
  name: "next-step-test",
  subscriptions: [{ topic: "t", on: { "*": async () => undefined } }],
  maxAttempts: 3,
  retryBaseDelayMs: 100,
});
const noJitter = () => 0.5;

describe("nextStep", () => {
  it("sends a failed attempt to the retry level of its number, due after the backoff, and the last one to the dead letters", () => {
    assert.deepEqual(nextStep(definition, 1, new Error("boom"), 1_000, noJitter), {
      dead: false,
      topic: "next-step-test.retry.1",
      dueAt: 1_100,
      nextAttempt: 2,
    });
    assert.deepEqual(nextStep(definition, 2, new Error("boom"), 1_000, noJitter), {
      dead: false,
      topic: "next-step-test.retry.2",
      dueAt: 1_200,
      nextAttempt: 3,
    });
    assert.deepEqual(nextStep(definition, 3, new Error("boom"), 1_000, noJitter), { dead: true, topic: "next-step-test.dlq", reason: "attempts_exhausted" });
  });

  it("waits at least a RetryLaterError's delay, and counts it as an attempt", () => {
    assert.deepEqual(nextStep(definition, 1, new RetryLaterError("429", 5_000), 1_000, noJitter), {
      dead: false,
      topic: "next-step-test.retry.1",
      dueAt: 6_000,
      nextAttempt: 2,
    });
    assert.equal(nextStep(definition, 3, new RetryLaterError("429", 5_000), 1_000, noJitter).dead, true);
  });

  it("does not count an attempt the handler declined to make: the event waits and keeps its attempt number, even past maxAttempts' last", () => {
    const paused = new RetryLaterError("the destination is paused", 5_000, { countsAsAttempt: false });
    assert.deepEqual(nextStep(definition, 3, paused, 1_000, noJitter), { dead: false, topic: "next-step-test.retry.2", dueAt: 6_000, nextAttempt: 3 });
    assert.deepEqual(nextStep(definition, 1, paused, 1_000, noJitter), { dead: false, topic: "next-step-test.retry.1", dueAt: 6_000, nextAttempt: 1 });
  });
});

// What each consumer did with an event is recorded as it happens, in the batch's transaction: its
// state and every attempt, so a console shows it without inferring anything from metrics.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { eventually, readTopic, uniqueName } from "@hooklog/testkit";
import { HEADERS, defineConsumer, eventStates, retryTopic, startConsumer, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

describe("the state of each event per consumer", () => {
  let harness: KitHarness;
  let running: RunningConsumer | undefined;

  beforeEach(async () => {
    harness = await kitHarness();
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await harness?.close();
  });

  it("records failed, failed, processed for a handler that fails twice, with the retry's due time as the router sent it", async () => {
    const name = uniqueName("kit-states-retry");
    const eventId = randomUUID();
    let calls = 0;
    const third = Promise.withResolvers<void>();
    running = await startConsumer(
      defineConsumer({
        name,
        retryBaseDelayMs: 100,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                calls += 1;
                if (calls <= 2) throw new Error(`planned failure ${calls}`);
                // The third attempt waits until the test has seen the state the second failure left.
                await third.promise;
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    await harness.publish([{ providerEventId: "evt_flaky", id: eventId }]);

    await eventually("the second failure recorded", async () => (await eventStates(harness.db, eventId))[0]?.attempts.length === 2);
    const [retrying] = await eventStates(harness.db, eventId);
    assert.ok(retrying);
    assert.equal(retrying.state, "retrying");
    assert.equal(retrying.consumer, name);
    assert.equal(retrying.eventKey, `${harness.source}:evt_flaky`);
    assert.equal(retrying.position.topic, harness.topic);
    assert.equal(retrying.lastError, "planned failure 2");
    assert.ok(retrying.nextAttemptAt && retrying.firstFailureAt);
    // The state says when the retry is due exactly as the retry's own header does: decided once.
    const retries = await readTopic(harness.brokers.join(","), retryTopic(name, 2), { count: 1 });
    assert.equal(retrying.nextAttemptAt.getTime(), Number(retries[0]?.headers[HEADERS.dueAt]?.toString()));
    assert.deepEqual(
      retrying.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.routedTo]),
      [
        [1, "failed", retryTopic(name, 1)],
        [2, "failed", retryTopic(name, 2)],
      ],
    );
    const firstFailureAt = retrying.firstFailureAt.getTime();

    third.resolve();
    await eventually("the event processed", async () => (await eventStates(harness.db, eventId))[0]?.state === "processed");
    const [processed] = await eventStates(harness.db, eventId);
    assert.ok(processed);
    assert.equal(processed.attemptsMade, 3);
    assert.equal(processed.firstFailureAt?.getTime(), firstFailureAt, "the first failure is kept");
    assert.equal(processed.nextAttemptAt, null);
    assert.ok(processed.processedAt && processed.durationMs !== null);
    assert.deepEqual(
      processed.attempts.map((attempt) => [attempt.attempt, attempt.outcome]),
      [
        [1, "failed"],
        [2, "failed"],
        [3, "processed"],
      ],
    );
  });
});

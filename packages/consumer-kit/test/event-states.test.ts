// What each consumer did with an event is recorded as it happens, in the batch's transaction: its
// state and every attempt, so a console shows it without inferring anything from metrics.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { eventually, readTopic, startRecordingServer, uniqueName, type RecordingServer } from "@hooklog/testkit";
import {
  HEADERS,
  consumerStateCounts,
  deadLetterTopic,
  defineConsumer,
  eventStates,
  redrive,
  rerunEvent,
  retryTopic,
  startConsumer,
  type ConsumerEventState,
  type RunningConsumer,
} from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";
import { recordedLogs } from "./recorded-logs.ts";

const outcomes = (state: ConsumerEventState | undefined) => state?.attempts.map((attempt) => [attempt.outcome, attempt.actor ?? undefined]);

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

  it("records a dead letter with its error, then the redrive with who asked for it, then the event processed", async () => {
    const name = uniqueName("kit-states-dead");
    const eventId = randomUUID();
    let failing = true;
    running = await startConsumer(
      defineConsumer({
        name,
        maxAttempts: 2,
        retryBaseDelayMs: 50,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                if (failing) throw new Error("the card was declined");
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    await harness.publish([{ providerEventId: "evt_dead", id: eventId }]);

    await eventually("the event dead-lettered", async () => (await eventStates(harness.db, eventId))[0]?.state === "dead_lettered");
    const [dead] = await eventStates(harness.db, eventId);
    assert.equal(dead?.lastError, "the card was declined");
    assert.equal(dead?.nextAttemptAt, null);
    assert.deepEqual(
      dead?.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.routedTo, attempt.error]),
      [
        [1, "failed", retryTopic(name, 1), "the card was declined"],
        [2, "failed", deadLetterTopic(name), "the card was declined"],
      ],
    );
    const counts = await consumerStateCounts(harness.db, name);
    assert.equal(counts.counts.dead_lettered, 1);
    assert.equal(counts.counts.processed, 0);
    assert.ok(counts.oldestDeadLetterAt);

    failing = false;
    const result = await redrive(name, { kafkaBrokers: harness.brokers, db: harness.db, actor: "alice" });
    assert.equal(result.redriven, 1);
    await eventually("the redriven event processed", async () => (await eventStates(harness.db, eventId))[0]?.state === "processed");
    const [processed] = await eventStates(harness.db, eventId);
    assert.deepEqual(outcomes(processed), [
      ["failed", undefined],
      ["failed", undefined],
      ["redriven", "alice"],
      ["processed", undefined],
    ]);
    assert.equal(processed?.lastError, "the card was declined", "the last error stays visible");
    assert.equal((await consumerStateCounts(harness.db, name)).oldestDeadLetterAt, undefined);
  });

  it("records an event parked behind a failed event of its key, then processed when released", async () => {
    const name = uniqueName("kit-states-parked");
    const [firstId, secondId] = [randomUUID(), randomUUID()];
    let firstCalls = 0;
    const retry = Promise.withResolvers<void>();
    running = await startConsumer(
      defineConsumer({
        name,
        retryBaseDelayMs: 50,
        subscriptions: [
          {
            topic: harness.topic,
            on: {
              "invoice.paid": async (event, context) => {
                if (event.key.endsWith(":evt_first")) {
                  firstCalls += 1;
                  if (firstCalls === 1) throw new Error("not yet");
                  await retry.promise;
                }
                await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
              },
            },
          },
        ],
      }),
      { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
    );
    await harness.publish(
      [
        { providerEventId: "evt_first", id: firstId },
        { providerEventId: "evt_second", id: secondId },
      ],
      { key: "order-1" },
    );

    await eventually("the second event parked", async () => (await eventStates(harness.db, secondId))[0]?.state === "parked");
    assert.deepEqual(outcomes((await eventStates(harness.db, secondId))[0]), [["parked", undefined]]);
    assert.equal((await eventStates(harness.db, firstId))[0]?.state, "retrying");

    retry.resolve();
    await eventually("the second event applied once released", async () => (await eventStates(harness.db, secondId))[0]?.state === "processed");
    assert.deepEqual(outcomes((await eventStates(harness.db, secondId))[0]), [
      ["parked", undefined],
      ["processed", undefined],
    ]);
    assert.equal((await eventStates(harness.db, firstId))[0]?.state, "processed");
  });

  describe("rerunning a processed event while the consumer runs", () => {
    let notifications: RecordingServer;

    beforeEach(async () => {
      notifications = await startRecordingServer({ status: 200, body: "{}" });
    });

    afterEach(async () => {
      await notifications.close();
    });

    it("runs the handler and its once effect again with clearEffects, and only the handler without", async () => {
      const name = uniqueName("kit-states-rerun");
      const eventId = randomUUID();
      let handled = 0;
      running = await startConsumer(
        defineConsumer({
          name,
          subscriptions: [
            {
              topic: harness.topic,
              on: {
                "invoice.paid": async (event, context) => {
                  handled += 1;
                  await context.once("notify", async (key) => {
                    const response = await fetch(notifications.url, { method: "POST", body: JSON.stringify({ key }) });
                    return response.status;
                  });
                  await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
                },
              },
            },
          ],
        }),
        { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger: harness.logger },
      );
      await harness.publish([{ providerEventId: "evt_rerun", id: eventId }]);
      await eventually("the event processed", async () => (await eventStates(harness.db, eventId))[0]?.state === "processed");
      const [first] = await eventStates(harness.db, eventId);
      assert.ok(first);
      assert.equal(handled, 1);
      assert.equal(notifications.requests().length, 1);
      const target = { kafkaBrokers: harness.brokers, db: harness.db, eventKey: first.eventKey, position: first.position };

      await rerunEvent(name, { ...target, clearEffects: true, actor: "bob" });
      await eventually("the rerun handled", async () => (await harness.effectRows()).length === 2);
      assert.equal(handled, 2);
      assert.equal(notifications.requests().length, 2, "the outside call is made again");

      await rerunEvent(name, { ...target, clearEffects: false, actor: "carol" });
      await eventually("the replay handled", async () => (await harness.effectRows()).length === 3);
      assert.equal(handled, 3);
      assert.equal(notifications.requests().length, 2, "the outside call answers from its record");

      await eventually("the replay recorded as processed", async () => (await eventStates(harness.db, eventId))[0]?.attempts.length === 5);
      const [last] = await eventStates(harness.db, eventId);
      assert.equal(last?.state, "processed");
      assert.deepEqual(last?.position, first.position, "a rerun keeps the event's first position");
      assert.deepEqual(outcomes(last), [
        ["processed", undefined],
        ["rerun", "bob"],
        ["processed", undefined],
        ["replayed", "carol"],
        ["processed", undefined],
      ]);
    });

    it("names a position past the end of its partition", async () => {
      const name = uniqueName("kit-states-nowhere");
      await assert.rejects(
        rerunEvent(name, {
          kafkaBrokers: harness.brokers,
          db: harness.db,
          eventKey: "nowhere:evt",
          position: { topic: harness.topic, partition: 0, offset: "1000000" },
          clearEffects: false,
          actor: "dave",
        }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "POSITION_NOT_READABLE");
          assert.match(error.message, new RegExp(`${harness.topic}/0@1000000: past the end`));
          return true;
        },
      );
    });
  });

  it("writes no state for a batch whose commit fails, and the state once it commits", async () => {
    const name = uniqueName("kit-states-commit");
    const eventId = randomUUID();
    const gate = `${harness.effects}_gate`;
    // A deferred constraint trigger fails the batch's COMMIT itself while the gate is closed: after the handler and every write of the batch.
    await harness.db.schema.createTable(gate, (table) => table.boolean("closed").notNullable());
    await harness.db(gate).insert({ closed: true });
    await harness.db.raw(`create function ${gate}_check() returns trigger language plpgsql as $$
      begin
        if (select closed from ${gate}) then raise exception 'the commit is refused'; end if;
        return null;
      end $$`);
    await harness.db.raw(
      `create constraint trigger ${gate}_trigger after insert on ${harness.effects} deferrable initially deferred for each row execute function ${gate}_check()`,
    );
    try {
      const { logger, lines } = recordedLogs();
      let handled = 0;
      running = await startConsumer(
        defineConsumer({
          name,
          subscriptions: [
            {
              topic: harness.topic,
              on: {
                "invoice.paid": async (event, context) => {
                  handled += 1;
                  await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
                },
              },
            },
          ],
        }),
        { kafkaBrokers: harness.brokers, schemaRegistryUrl: harness.registryUrl, db: harness.db, logger },
      );
      await harness.publish([{ providerEventId: "evt_refused", id: eventId }]);
      await eventually(
        "a batch failed at its commit",
        () => lines.some((line) => line.msg.startsWith("a batch failed") && JSON.stringify(line).includes("the commit is refused")),
        {
          timeoutMs: 30_000,
        },
      );
      assert.ok(handled >= 1, "the handler ran");
      assert.deepEqual(await eventStates(harness.db, eventId), [], "no state for a batch that did not commit");
      assert.equal(Number((await harness.db("consumer_event_attempts").where({ consumer: name }).count<Array<{ count: string }>>("* as count"))[0]?.count), 0);

      await harness.db(gate).update({ closed: false });
      await eventually("the event processed once the commit goes through", async () => (await eventStates(harness.db, eventId))[0]?.state === "processed", {
        timeoutMs: 60_000,
      });
      assert.deepEqual(outcomes((await eventStates(harness.db, eventId))[0]), [["processed", undefined]]);
    } finally {
      await running?.stop();
      running = undefined;
      await harness.db.raw(`drop trigger if exists ${gate}_trigger on ${harness.effects}`);
      await harness.db.raw(`drop function if exists ${gate}_check()`);
      await harness.db.schema.dropTableIfExists(gate);
    }
  });
});

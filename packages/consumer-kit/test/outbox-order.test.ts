import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { createIdempotentProducer, createKafka, ensureTopics, type LogProducer } from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { consumerKitMigrations } from "../src/migrations/index.ts";
import { OutboxRelay } from "../src/outbox.ts";

const KEY_COUNT = 3;
const ROWS_PER_KEY = 220;
const LIMIT = 25;
const logger = createLogger({ service: "kit-test", level: "silent" });

/** A one-shot signal between the relays of a test. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A real producer whose first sendBatch tells `claimed` and waits for `release` before it sends. */
function holdFirstSend(producer: LogProducer, claimed: () => void, release: Promise<void>): LogProducer {
  let sends = 0;
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    send: (record) => producer.send(record),
    async sendBatch(batch) {
      sends += 1;
      if (sends === 1) {
        claimed();
        await release;
      }
      return producer.sendBatch(batch);
    },
  };
}

// Relays over one outbox table, as the instances of a consumer service have: in a database of the
// suite's own, so the only relays are the test's (the services other suites run at the same time
// relay the shared database's outbox, whatever its topics).
describe("outbox relays over one outbox table", () => {
  let admin: Knex;
  let db: Knex;
  let brokers: string[];
  const database = uniqueName("hooklog_outbox").replaceAll("-", "_");
  const producers: LogProducer[] = [];

  before(async () => {
    const stack = await testStack();
    brokers = stack.kafkaBrokers.split(",");
    admin = connectDatabase(stack.databaseUrl, { poolMax: 1 });
    await admin.raw(`create database ${database}`);
    const url = new URL(stack.databaseUrl);
    url.pathname = `/${database}`;
    db = connectDatabase(url.toString());
    await migrateLatest(db, [consumerKitMigrations]);
  });

  after(async () => {
    for (const producer of producers) await producer.disconnect();
    await db?.destroy();
    await admin?.raw(`drop database if exists ${database}`);
    await admin?.destroy();
  });

  /** A topic of the test's own, and its rows in the outbox: keys take turns, each row's value its place within its key. */
  async function outboxRowsOnNewTopic(): Promise<string> {
    const topic = uniqueName("kit.outbox-order");
    await ensureTopics(createKafka({ clientId: "kit-test-outbox-order", brokers }), [{ name: topic, partitions: 3 }]);
    const rows = Array.from({ length: ROWS_PER_KEY * KEY_COUNT }, (_, index) => ({
      topic,
      message_key: `order-${index % KEY_COUNT}`,
      value: Buffer.from(String(Math.floor(index / KEY_COUNT))),
      headers: JSON.stringify({}),
    }));
    for (let start = 0; start < rows.length; start += 100) await db("outbox").insert(rows.slice(start, start + 100));
    return topic;
  }

  async function realProducer(clientId: string): Promise<LogProducer> {
    const producer = createIdempotentProducer(createKafka({ clientId, brokers }));
    await producer.connect();
    producers.push(producer);
    return producer;
  }

  async function unsent(topic: string): Promise<number> {
    return Number((await db("outbox").where({ topic }).whereNull("sent_at").count<Array<{ count: string }>>("* as count"))[0]?.count);
  }

  /** Every key's rows reached the topic in the order written, each once. */
  async function assertEachKeyInOrderOnce(topic: string): Promise<void> {
    const messages = await readTopic(brokers.join(","), topic, { toEnd: true });
    const byKey = new Map<string, number[]>();
    for (const message of messages) {
      const key = message.key?.toString() ?? "";
      byKey.set(key, [...(byKey.get(key) ?? []), Number(message.value?.toString())]);
    }
    assert.deepEqual(
      [...byKey.keys()].sort(),
      Array.from({ length: KEY_COUNT }, (_, index) => `order-${index}`),
    );
    for (const [key, values] of byKey) {
      const overtaken = values.findIndex((value, index) => index > 0 && value < (values[index - 1] ?? -1));
      assert.equal(overtaken, -1, `${key}: row ${values[overtaken]} reached Kafka after row ${values[overtaken - 1]}`);
      assert.deepEqual(
        values,
        Array.from({ length: ROWS_PER_KEY }, (_, index) => index),
        `${key}: every row reached Kafka once`,
      );
    }
  }

  it("publishes each key's rows in id order, each once, while two relays relay at once", async () => {
    const topic = await outboxRowsOnNewTopic();
    // Relay A holds its first claim until relay B's first round is over: a B that may claim and send the
    // rows after A's overtakes them, deterministically rather than by luck. Both producers are real.
    const aClaimed = signal();
    const bFirstRoundOver = signal();
    const relayA = new OutboxRelay(db, holdFirstSend(await realProducer("kit-test-outbox-order-a"), aClaimed.resolve, bFirstRoundOver.promise), logger);
    const relayB = new OutboxRelay(db, await realProducer("kit-test-outbox-order-b"), logger);

    const deadline = Date.now() + 60_000;
    const relayUntilSent = async (relay: OutboxRelay, afterEachRound?: () => void): Promise<void> => {
      while ((await unsent(topic)) > 0) {
        assert.ok(Date.now() < deadline, `rows of ${topic} still unsent after 60 s`);
        const sent = await relay.relayOnce(LIMIT);
        afterEachRound?.();
        // A relay that sent nothing (another is sending) tries again a moment later.
        if (sent === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await Promise.all([relayUntilSent(relayA), aClaimed.promise.then(() => relayUntilSent(relayB, bFirstRoundOver.resolve))]);

    assert.equal(await unsent(topic), 0, "every row of the topic is marked sent");
    await assertEachKeyInOrderOnce(topic);
  });

  it("a relay that stops while another sends waits its turn and leaves no row unsent", async () => {
    const topic = await outboxRowsOnNewTopic();
    const aClaimed = signal();
    const aReleased = signal();
    const relayA = new OutboxRelay(db, holdFirstSend(await realProducer("kit-test-outbox-stop-a"), aClaimed.resolve, aReleased.promise), logger);
    const relayB = new OutboxRelay(db, await realProducer("kit-test-outbox-stop-b"), logger);

    // A claims one round and holds it; B is stopped meanwhile, and A is let go only later.
    const aRound = relayA.relayOnce(LIMIT);
    await aClaimed.promise;
    const bStopped = relayB.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    aReleased.resolve();
    assert.equal(await aRound, LIMIT);
    await bStopped;

    assert.equal(await unsent(topic), 0, "the stopped relay sent every row A did not");
    await assertEachKeyInOrderOnce(topic);
  });
});

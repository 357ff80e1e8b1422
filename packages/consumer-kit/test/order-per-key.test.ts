import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { consumerCaughtUp, eventually, readTopic, uniqueName } from "@hooklog/testkit";
import {
  HEADERS,
  deadLetterTopic,
  defineConsumer,
  groupId,
  heldKeys,
  redrive,
  release,
  startConsumer,
  type ConsumerDefinition,
  type RunningConsumer,
} from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

/**
 * Events of one message key (one order, one pull request) are applied in their log order even when
 * one of them fails and waits in a retry topic or the dead letters; other keys go on meanwhile.
 */
describe("order per key across retries, dead letters, redrive and restarts", () => {
  let harness: KitHarness;
  let applied: string;
  const running = new Set<RunningConsumer>();

  before(async () => {
    harness = await kitHarness();
    applied = uniqueName("kit_applied").replaceAll("-", "_");
    // The order effects were applied in: ids are handed out as the handlers' transactions insert.
    await harness.db.schema.createTable(applied, (table) => {
      table.bigIncrements("id").primary();
      table.text("consumer").notNullable();
      table.text("provider_event_id").notNullable();
    });
  });

  after(async () => {
    for (const consumer of running) await consumer.stop();
    await harness?.db.schema.dropTableIfExists(applied);
    await harness?.close();
  });

  /** A consumer whose handler applies the events whose ids start with `prefix` unless `fails` says otherwise. */
  function consumerOf(
    name: string,
    prefix: string,
    fails: (providerEventId: string) => boolean,
    options: Pick<ConsumerDefinition, "maxAttempts" | "ordering">,
  ): ConsumerDefinition {
    return defineConsumer({
      name,
      retryBaseDelayMs: 100,
      ...options,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "invoice.paid": async (event, context) => {
              const id = event.event.providerEventId;
              if (!id.startsWith(prefix)) return;
              if (fails(id)) throw new Error(`planned failure of ${id}`);
              await context.trx(applied).insert({ consumer: name, provider_event_id: id });
            },
          },
        },
      ],
    });
  }

  async function start(definition: ConsumerDefinition): Promise<RunningConsumer> {
    const consumer = await startConsumer(definition, {
      kafkaBrokers: harness.brokers,
      schemaRegistryUrl: harness.registryUrl,
      db: harness.db,
      logger: harness.logger,
    });
    running.add(consumer);
    await consumer.joined;
    return consumer;
  }

  async function stop(consumer: RunningConsumer): Promise<void> {
    running.delete(consumer);
    await consumer.stop();
  }

  const appliedBy = async (consumer: string): Promise<string[]> =>
    ((await harness.db(applied).where({ consumer }).orderBy("id").select("provider_event_id")) as Array<{ provider_event_id: string }>).map(
      (row) => row.provider_event_id,
    );

  async function metric(consumer: RunningConsumer, name: string, consumerName: string): Promise<number | undefined> {
    const line = (await consumer.metrics.registry.metrics()).split("\n").find((each) => each.startsWith(`${name}{consumer="${consumerName}"}`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  }

  it("applies the later events of a key after its retried event, in log order, while another key's event is applied at once", async () => {
    const name = uniqueName("kit-order");
    let otherKeyApplied = false;
    let a1Attempts = 0;
    // The first event of order A fails, and goes on failing until the event of order B is applied: B
    // does not wait for A. Its first attempt fails whatever came first: on a busy machine B's partition
    // may be handled before A's, and A's events must still be seen waiting behind a failed one.
    const definition = consumerOf(
      name,
      "ord1_",
      (id) => {
        if (id !== "ord1_a1") return false;
        a1Attempts += 1;
        return a1Attempts === 1 || !otherKeyApplied;
      },
      { maxAttempts: 10 },
    );
    const consumer = await start(definition);
    const waitForB = eventually("the event of order B", async () => {
      otherKeyApplied = (await appliedBy(name)).includes("ord1_b1");
      return otherKeyApplied;
    });

    await harness.publish([{ providerEventId: "ord1_a1" }, { providerEventId: "ord1_a2" }, { providerEventId: "ord1_a3" }], { key: "order-A" });
    await harness.publish([{ providerEventId: "ord1_b1" }], { key: "order-B" });
    await waitForB;
    await eventually("every event applied", async () => (await appliedBy(name)).length === 4);
    await eventually("the consumer to have committed every message and retry", () => consumerCaughtUp(harness.brokers.join(","), groupId(name)));

    const order = await appliedBy(name);
    assert.deepEqual(
      order.filter((id) => id.startsWith("ord1_a")),
      ["ord1_a1", "ord1_a2", "ord1_a3"],
      "order A's events applied in their log order",
    );
    assert.ok(order.indexOf("ord1_b1") < order.indexOf("ord1_a1"), "order B's event did not wait for order A's retry");
    assert.equal(await metric(consumer, "hooklog_consumer_parked_total", name), 2, "a2 and a3 waited behind a1");
    assert.equal(await metric(consumer, "hooklog_consumer_parked_events", name), 0, "nothing is left waiting");
  });

  it("keeps a key's events behind its dead letter until a redrive applies it, then applies them in order", async () => {
    const name = uniqueName("kit-order-dlq");
    let broken = true;
    const definition = consumerOf(name, "ord2_", (id) => id === "ord2_c1" && broken, { maxAttempts: 2 });
    const consumer = await start(definition);

    await harness.publish([{ providerEventId: "ord2_c1" }, { providerEventId: "ord2_c2" }, { providerEventId: "ord2_c3" }], { key: "order-C" });
    await eventually("c1 dead-lettered", async () =>
      (await readTopic(harness.brokers.join(","), deadLetterTopic(name), { toEnd: true })).some(
        (message) => message.headers[HEADERS.eventKey]?.toString() === `${harness.source}:ord2_c1`,
      ),
    );
    await eventually("c2 and c3 parked behind it", async () => (await metric(consumer, "hooklog_consumer_parked_events", name)) === 2);
    await harness.publish([{ providerEventId: "ord2_d1" }], { key: "order-D" });
    await eventually("order D's event, which does not wait", async () => (await appliedBy(name)).includes("ord2_d1"));
    assert.deepEqual(await appliedBy(name), ["ord2_d1"], "nothing of order C is applied while c1 is a dead letter");
    assert.equal(await metric(consumer, "hooklog_consumer_held_keys", name), 1);

    broken = false;
    const result = await redrive(name, { kafkaBrokers: harness.brokers, db: harness.db });
    assert.deepEqual(result, { inDeadLetters: 1, redriven: 1, alreadyProcessed: 0 });
    await eventually("order C applied", async () => (await appliedBy(name)).length === 4);

    assert.deepEqual(await appliedBy(name), ["ord2_d1", "ord2_c1", "ord2_c2", "ord2_c3"]);
    assert.equal(await metric(consumer, "hooklog_consumer_parked_events", name), 0);
    assert.equal(await metric(consumer, "hooklog_consumer_held_keys", name), 0);
  });

  it("applies a key's parked events in order when an operator releases the key from a dead letter nobody will redrive", async () => {
    const name = uniqueName("kit-order-release");
    const definition = consumerOf(name, "ord5_", (id) => id === "ord5_g1", { maxAttempts: 1 });
    const consumer = await start(definition);

    await harness.publish([{ providerEventId: "ord5_g1" }, { providerEventId: "ord5_g2" }, { providerEventId: "ord5_g3" }], { key: "order-G" });
    await eventually("g2 and g3 parked behind the dead letter", async () => (await metric(consumer, "hooklog_consumer_parked_events", name)) === 2);
    const held = await heldKeys(name, { db: harness.db });
    assert.deepEqual(
      held.map((key) => ({ messageKey: key.messageKey, heldBy: key.heldBy, parked: key.parked })),
      [{ messageKey: "order-G", heldBy: `${harness.source}:ord5_g1`, parked: 2 }],
    );

    const result = await release(name, { kafkaBrokers: harness.brokers, db: harness.db, messageKey: "order-G" });
    assert.deepEqual(result, { gaveUpOn: `${harness.source}:ord5_g1`, parked: 2 });
    await eventually("g2 and g3 applied", async () => (await appliedBy(name)).length === 2);
    await harness.publish([{ providerEventId: "ord5_g4" }], { key: "order-G" });
    await eventually("g4, which no longer waits", async () => (await appliedBy(name)).length === 3);

    assert.deepEqual(await appliedBy(name), ["ord5_g2", "ord5_g3", "ord5_g4"]);
    assert.deepEqual(await heldKeys(name, { db: harness.db }), []);
    await assert.rejects(release(name, { kafkaBrokers: harness.brokers, db: harness.db, messageKey: "order-G" }), /holds no key "order-G"/);
  });

  it("keeps the order when the consumer is restarted while events are parked", async () => {
    const name = uniqueName("kit-order-restart");
    let broken = true;
    const definition = consumerOf(name, "ord3_", (id) => id === "ord3_e1" && broken, { maxAttempts: 20 });
    const first = await start(definition);

    await harness.publish([{ providerEventId: "ord3_e1" }, { providerEventId: "ord3_e2" }, { providerEventId: "ord3_e3" }], { key: "order-E" });
    await eventually("e2 and e3 parked", async () => (await metric(first, "hooklog_consumer_parked_events", name)) === 2);
    await stop(first);
    await harness.publish([{ providerEventId: "ord3_e4" }], { key: "order-E" });
    const second = await start(definition);
    await eventually("e4 parked too, by the new instance", async () => (await metric(second, "hooklog_consumer_parked_events", name)) === 3);
    assert.deepEqual(await appliedBy(name), []);

    broken = false;
    // Its retries back off exponentially while it fails, so its next one may be due a while after the restart.
    await eventually("order E applied", async () => (await appliedBy(name)).length === 4, { timeoutMs: 120_000 });
    assert.deepEqual(await appliedBy(name), ["ord3_e1", "ord3_e2", "ord3_e3", "ord3_e4"]);
  });

  it("lets a consumer that opts out apply a key's later events before its retried one", async () => {
    const name = uniqueName("kit-order-none");
    let laterApplied = false;
    const definition = consumerOf(name, "ord4_", (id) => id === "ord4_f1" && !laterApplied, { maxAttempts: 10, ordering: "none" });
    await start(definition);
    const waitForLater = eventually("f2, which does not wait", async () => {
      laterApplied = (await appliedBy(name)).includes("ord4_f2");
      return laterApplied;
    });

    await harness.publish([{ providerEventId: "ord4_f1" }, { providerEventId: "ord4_f2" }], { key: "order-F" });
    await waitForLater;
    await eventually("f1 applied on a retry", async () => (await appliedBy(name)).length === 2);
    assert.deepEqual(await appliedBy(name), ["ord4_f2", "ord4_f1"]);
  });
});

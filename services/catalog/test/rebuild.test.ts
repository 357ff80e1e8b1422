import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { replay } from "@hooklog/consumer-kit";
import { catalogHarness, type CatalogHarness } from "./harness.ts";

describe("the catalog is rebuilt from the log", () => {
  let hub: CatalogHarness;

  before(async () => {
    hub = await catalogHarness();
  });

  after(async () => {
    await hub?.close();
  });

  /**
   * How a projection is rebuilt with the kit: stop the consumer (Kafka moves a group's offsets only
   * when it has no members), drop its rows and its processed marks (with the marks left, the kit
   * skips every event as already applied and the replay rebuilds nothing), rewind its group to the
   * beginning of every topic it reads, start it again.
   */
  async function rebuild(dropRows: () => Promise<void>): Promise<void> {
    await hub.stop();
    await dropRows();
    await hub.db("processed_events").where({ consumer: hub.consumerName }).delete();
    await replay(hub.consumerName, { kafkaBrokers: hub.brokers, topics: [hub.stripe.topic, hub.github.topic, hub.deliveriesTopic] });
    await hub.start();
    await hub.caughtUp();
  }

  it("truncates the catalog, replays it, and gets the same rows", async () => {
    const published = [
      ...(await hub.publish(hub.stripe, [
        { type: "invoice.paid", payload: Buffer.from('{"id":"evt_a","data":{"object":{"customer":"cus_rebuild"}}}'), key: "in_a" },
        { type: "charge.refunded", payload: Buffer.from('{"id":"evt_b"}'), key: "in_a" },
        { contentType: "text/plain", payload: Buffer.from("plain words") },
      ])),
      ...(await hub.publish(hub.github, [{ type: "push", payload: Buffer.from('{"ref":"refs/heads/main"}'), key: "repo" }])),
    ];
    const deliveries = await hub.publishDeliveries([
      { source: hub.stripe.name, hubEventId: published[0]?.event.id ?? null, providerEventId: published[0]?.event.providerEventId ?? null, secretIndex: 0 },
      { source: hub.stripe.name, outcome: "duplicate", status: 200, providerEventId: published[0]?.event.providerEventId ?? null, secretIndex: 1 },
      { source: hub.github.name, outcome: "rejected", status: 401, reason: "signature_mismatch" },
    ]);
    await hub.start();
    await hub.caughtUp();
    const before = await hub.snapshot();
    assert.equal(before.events.length, published.length);
    assert.equal(before.deliveries.length, deliveries.length);

    // Tests share one database: this run's rows stand for the whole table, which other tests read at the same time.
    await rebuild(async () => {
      await hub.db("catalog_events").whereIn("source", [hub.stripe.name, hub.github.name]).delete();
      await hub.db("catalog_deliveries").whereIn("source", [hub.stripe.name, hub.github.name]).delete();
    });
    assert.deepEqual(await hub.snapshot(), before, "the rebuilt catalog has the same rows");

    // A replay over rows still there (marks dropped, rows kept) rewrites each row to the same values.
    await rebuild(async () => {});
    assert.deepEqual(await hub.snapshot(), before, "a replay over the catalog changes no row");
  });
});

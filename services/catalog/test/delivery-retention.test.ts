import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { pruneCatalogDeliveries } from "../src/delivery-retention.ts";
import { catalogHarness, DAY_MS, type CatalogHarness } from "./harness.ts";

describe("deliveries past their retention are deleted from the catalog", () => {
  let hub: CatalogHarness;

  before(async () => {
    hub = await catalogHarness();
  });

  after(async () => {
    await hub?.close();
  });

  it("pruneCatalogDeliveries deletes, in batches, the deliveries received before the cut-off and keeps the rest", async () => {
    await hub.start();
    const now = Date.now();
    const old = await hub.publishDeliveries([
      { source: hub.stripe.name, receivedAt: now - 9 * DAY_MS },
      { source: hub.stripe.name, receivedAt: now - 8 * DAY_MS, outcome: "rejected", status: 401, reason: "signature" },
      { source: hub.github.name, receivedAt: now - 7 * DAY_MS - 60_000 },
    ]);
    const recent = await hub.publishDeliveries([{ source: hub.stripe.name, receivedAt: now - 6 * DAY_MS }]);
    await hub.caughtUp();
    await hub.stop();
    const ids = (records: ReadonlyArray<{ eventId: string }>) => records.map((record) => record.eventId);
    assert.equal((await hub.db("catalog_deliveries").whereIn("delivery_id", ids([...old, ...recent]))).length, 4);

    const pruned = await pruneCatalogDeliveries(hub.db, new Date(now - 7 * DAY_MS), { batchRows: 2 });

    // Other tests' rows share the table: at least this run's three, in batches of two.
    assert.ok(pruned >= 3, `pruned ${pruned}`);
    assert.deepEqual(await hub.db("catalog_deliveries").whereIn("delivery_id", ids(old)), []);
    assert.deepEqual((await hub.db("catalog_deliveries").whereIn("delivery_id", ids(recent)).pluck("delivery_id")).sort(), ids(recent));
    assert.equal(await pruneCatalogDeliveries(hub.db, new Date(now - 7 * DAY_MS)), 0, "nothing left to prune");
  });

  it("the catalog keeps no consumer state for a delivery it cataloged at once: its row is the record", async () => {
    await hub.start();
    const [delivery] = await hub.publishDeliveries([{ source: hub.stripe.name }]);
    assert.ok(delivery);
    await hub.caughtUp();
    await hub.stop();
    assert.ok(await hub.db("catalog_deliveries").where({ delivery_id: delivery.eventId }).first());
    assert.equal((await hub.db("consumer_event_states").where({ consumer: hub.consumerName })).length, 0);
    assert.equal((await hub.db("consumer_event_attempts").where({ consumer: hub.consumerName })).length, 0);
  });
});

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventsCatalogedSince, type CatalogedEvent } from "@hooklog/event-catalog";
import { catalogHarness, type CatalogHarness } from "./harness.ts";

describe("events cataloged since a time, for a poller", () => {
  let hub: CatalogHarness;

  before(async () => {
    hub = await catalogHarness();
  });

  after(async () => {
    await hub?.close();
  });

  it("pages through every matching event cataloged since the time, oldest first, none twice, even many written in one batch", async () => {
    const before = await hub.db.raw<{ rows: Array<{ now: Date }> }>("select now()").then((result) => result.rows[0]?.now);
    assert.ok(before);
    await hub.start();
    const stripe = await hub.publish(
      hub.stripe,
      Array.from({ length: 5 }, () => ({})),
    );
    const [github] = await hub.publish(hub.github, [{ type: "push" }]);
    await hub.caughtUp();
    await hub.stop();

    const seen: CatalogedEvent[] = [];
    let page = await eventsCatalogedSince(hub.db, { source: [hub.stripe.name] }, before, 2);
    while (page.length > 0) {
      seen.push(...page);
      assert.ok(seen.length <= 10, "paging ends"); // five events: a page that repeats itself would loop for ever
      const last = page.at(-1);
      assert.ok(last);
      page = await eventsCatalogedSince(hub.db, { source: [hub.stripe.name] }, last.catalogedAt, 2, last.eventId);
    }

    assert.deepEqual(seen.map((event) => event.eventId).sort(), stripe.map(({ event }) => event.id).sort());
    assert.ok(!seen.some((event) => event.eventId === github?.event.id), "the filter applies");
    assert.ok(seen.every((event) => event.catalogedAt >= before));
    const inOrder = [...seen].sort((a, b) => a.catalogedAt.getTime() - b.catalogedAt.getTime() || (a.eventId < b.eventId ? -1 : 1));
    assert.deepEqual(seen, inOrder, "oldest first, by (catalogedAt, eventId)");
    assert.equal(seen[0]?.source, hub.stripe.name, "a summary like the lists' own");
    const later = new Date((seen.at(-1)?.catalogedAt.getTime() ?? 0) + 1);
    assert.deepEqual(await eventsCatalogedSince(hub.db, { source: [hub.stripe.name] }, later, 10), [], "nothing cataloged after the last");
  });

  it("has the indexes the poll and the lists by outcome walk", async () => {
    const { rows } = await hub.db.raw<{ rows: Array<{ indexname: string; indexdef: string }> }>(
      "select indexname, indexdef from pg_indexes where indexname in ('catalog_events_cataloged', 'catalog_deliveries_outcome_received') order by indexname",
    );
    assert.deepEqual(
      rows.map((row) => row.indexname),
      ["catalog_deliveries_outcome_received", "catalog_events_cataloged"],
    );
    assert.match(rows[0]?.indexdef ?? "", /\(outcome, received_at DESC, delivery_id DESC\)/);
  });
});

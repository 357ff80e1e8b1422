import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, startServiceProcess, testStack, type ServiceProcess } from "@hooklog/testkit";
import { getEvent, listEvents } from "@hooklog/event-catalog";
import { pruneCatalogPayloads } from "../src/payload-retention.ts";
import { catalogHarness, DAY_MS, type CatalogHarness } from "./harness.ts";

describe("payloads past their retention are dropped; the rows stay", () => {
  let hub: CatalogHarness;
  let service: ServiceProcess | undefined;
  let directory: string | undefined;

  before(async () => {
    hub = await catalogHarness();
  });

  after(async () => {
    await service?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
    await hub?.close();
  });

  it("pruneCatalogPayloads drops, in batches, the payloads of events received before the cut-off, and keeps their search terms", async () => {
    await hub.start({ payloadRetentionMs: 365 * DAY_MS });
    const now = Date.now();
    const old = await hub.publish(hub.stripe, [
      { receivedAt: now - 40 * DAY_MS, payload: Buffer.from('{"note":"prunable words"}') },
      { receivedAt: now - 35 * DAY_MS, payload: Buffer.from('{"note":"prunable too"}') },
      { receivedAt: now - 31 * DAY_MS, contentType: "text/plain", payload: Buffer.from("prunable text") },
    ]);
    const [recent] = await hub.publish(hub.stripe, [{ receivedAt: now - 29 * DAY_MS, payload: Buffer.from('{"note":"kept"}') }]);
    assert.ok(recent);
    await hub.caughtUp();
    await hub.stop();

    const pruned = await pruneCatalogPayloads(hub.db, new Date(now - 30 * DAY_MS), { batchRows: 2 });

    // Other tests' rows share the table: at least this run's three, in batches of two.
    assert.ok(pruned >= 3, `pruned ${pruned}`);
    for (const { event } of old) {
      const row = await hub.db("catalog_events").where({ event_id: event.id }).first();
      assert.deepEqual([row.payload, row.payload_text, row.payload_base64], [null, null, null]);
      assert.ok(row.payload_pruned_at instanceof Date);
      assert.equal(row.payload_bytes, event.payload.length, "the size stays");
      assert.equal((await getEvent(hub.db, event.id))?.payload.form, "pruned");
    }
    assert.deepEqual((await getEvent(hub.db, recent.event.id))?.payload, { form: "json", value: { note: "kept" } });
    const found = await listEvents(hub.db, { source: [hub.stripe.name], text: "prunable" });
    assert.equal(found.items.length, 3, "a pruned event is still found by its words");
    assert.equal(await pruneCatalogPayloads(hub.db, new Date(now - 30 * DAY_MS)), 0, "nothing left to prune");
  });

  it("the catalog service prunes as it starts, and catalogs what comes", async () => {
    const [aging] = await hub.publish(hub.stripe, [{ receivedAt: Date.now() - 10 * DAY_MS, payload: Buffer.from('{"note":"ten days old"}') }]);
    assert.ok(aging);
    await hub.start({ payloadRetentionMs: 365 * DAY_MS });
    await hub.caughtUp();
    await hub.stop();
    assert.equal((await getEvent(hub.db, aging.event.id))?.payload.form, "json");

    const stack = await testStack();
    directory = await mkdtemp(join(tmpdir(), "hooklog-catalog-test-"));
    const configPath = join(directory, "hooklog.config.yaml");
    // YAML is a superset of JSON.
    await writeFile(
      configPath,
      JSON.stringify({
        sources: {
          [hub.stripe.name]: { provider: "stripe", topic: hub.stripe.topic, partitions: 3 },
          [hub.github.name]: { provider: "github", topic: hub.github.topic, partitions: 3 },
        },
      }),
    );
    // The same consumer name: everything so far is processed, so only the prune can change the aging row.
    service = await startServiceProcess(
      "catalog",
      {
        KAFKA_BROKERS: stack.kafkaBrokers,
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        DATABASE_URL: stack.databaseUrl,
        HOOKLOG_CONFIG: configPath,
        CATALOG_CONSUMER_NAME: hub.consumerName,
        CATALOG_DELIVERIES_TOPIC: hub.deliveriesTopic,
        CATALOG_PAYLOAD_RETENTION_DAYS: "7",
      },
      "CATALOG_PORT",
    );
    const output = () => service?.output() ?? "";
    await eventually("the aging payload pruned at start", async () => (await getEvent(hub.db, aging.event.id))?.payload.form === "pruned", { context: output });

    const [fresh] = await hub.publish(hub.github, [{ type: "push", payload: Buffer.from('{"ref":"refs/heads/main"}') }]);
    const [delivery] = await hub.publishDeliveries([{ source: hub.github.name }]);
    assert.ok(fresh && delivery);
    await eventually("the service to catalog a new event", async () => (await getEvent(hub.db, fresh.event.id))?.payload.form === "json", { context: output });
    await eventually(
      "the service to catalog a new delivery",
      async () => Boolean(await hub.db("catalog_deliveries").where({ delivery_id: delivery.eventId }).first()),
      {
        context: output,
      },
    );
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /hooklog_consumer_/);
  });
});

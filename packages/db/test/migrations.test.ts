import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { testStack, uniqueName } from "@hooklog/testkit";
import { connectDatabase, migrateLatest, rollbackAll, type Knex } from "../src/index.ts";

describe("migrations", () => {
  let admin: Knex;
  let db: Knex;
  const database = uniqueName("hooklog_migrations").replaceAll("-", "_");

  before(async () => {
    const { databaseUrl } = await testStack();
    admin = connectDatabase(databaseUrl);
    await admin.raw(`create database ${database}`);
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    db = connectDatabase(url.toString());
  });

  after(async () => {
    await db.destroy();
    await admin.raw(`drop database if exists ${database}`);
    await admin.destroy();
  });

  it("applies every migration once, from any number of processes", async () => {
    const [first, second] = await Promise.all([migrateLatest(db), migrateLatest(db)]);
    assert.deepEqual([...(first ?? []), ...(second ?? [])].sort(), ["0001_accepted_events", "0002_consumer_kit", "0003_fulfillment_tasks", "0004_deployment_environments", "0005_reconciliation", "0006_effect_call_attempts"]);
    assert.deepEqual(await migrateLatest(db), []);
    assert.ok(await db.schema.hasTable("accepted_events"));
  });

  it("rolls back to an empty schema and forward again", async () => {
    await migrateLatest(db);
    await rollbackAll(db);
    assert.equal(await db.schema.hasTable("accepted_events"), false);
    assert.deepEqual(await migrateLatest(db), ["0001_accepted_events", "0002_consumer_kit", "0003_fulfillment_tasks", "0004_deployment_environments", "0005_reconciliation", "0006_effect_call_attempts"]);
  });
});

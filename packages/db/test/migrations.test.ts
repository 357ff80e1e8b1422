import { strict as assert } from "node:assert";
import { after, describe, it } from "node:test";
import { testStack, uniqueName } from "@hooklog/testkit";
import { connectDatabase, migrateLatest, rollbackAll, type Knex, type Migration, type MigrationSet } from "../src/index.ts";

/** A migration that creates the table of its name: run twice, it fails as a real one would ("already exists"). */
const creates = (table: string): Migration => ({
  up: async (knex) => {
    await knex.schema.createTable(table, (columns) => columns.increments());
  },
  down: async (knex) => {
    await knex.schema.dropTable(table);
  },
});

const set = (owner: string, names: string[]): MigrationSet => ({ owner, migrations: names.map((name) => [name, creates(`t_${name}`)] as const) });

// The owners, each with the names its migrations had in packages/db before it.
const eventLog = set("event_log", ["0001_accepted_events"]);
const consumerKit = set("consumer_kit", ["0002_consumer_kit", "0006_effect_call_attempts"]);
const fulfillment = set("fulfillment", ["0003_fulfillment_tasks"]);
const deployments = set("deployments", ["0004_deployment_environments"]);
const reconciliation = set("reconciliation", ["0005_reconciliation"]);
const LEGACY_ORDER = [
  "0001_accepted_events",
  "0002_consumer_kit",
  "0003_fulfillment_tasks",
  "0004_deployment_environments",
  "0005_reconciliation",
  "0006_effect_call_attempts",
];

describe("migrations", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A database of this test's own: histories are per database, so tests cannot share one. */
  async function freshDatabase(): Promise<Knex> {
    const { databaseUrl } = await testStack();
    const admin = connectDatabase(databaseUrl, { poolMax: 1 });
    const database = uniqueName("hooklog_migrations").replaceAll("-", "_");
    await admin.raw(`create database ${database}`);
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    const db = connectDatabase(url.toString());
    cleanups.push(async () => {
      await db.destroy();
      await admin.raw(`drop database if exists ${database}`);
      await admin.destroy();
    });
    return db;
  }

  /** What the single migrator did before each owner kept its own: every migration in one list, recorded in knex_migrations. */
  async function migrateTheOldWay(db: Knex): Promise<void> {
    const all = [eventLog, consumerKit, fulfillment, deployments, reconciliation].flatMap((owner) => owner.migrations);
    const ordered = LEGACY_ORDER.map((name) => all.find(([candidate]) => candidate === name)).filter((entry) => entry !== undefined);
    await db.migrate.latest({
      migrationSource: {
        getMigrations: async () => ordered,
        getMigrationName: ([name]) => name,
        getMigration: async ([, migration]) => migration,
      },
    });
  }

  it("applies each owner's migrations once when services sharing an owner start together", async () => {
    const db = await freshDatabase();
    const [first, second] = await Promise.all([migrateLatest(db, [consumerKit, fulfillment]), migrateLatest(db, [consumerKit, deployments])]);
    assert.deepEqual([...first, ...second].sort(), [
      "consumer_kit/0002_consumer_kit",
      "consumer_kit/0006_effect_call_attempts",
      "deployments/0004_deployment_environments",
      "fulfillment/0003_fulfillment_tasks",
    ]);
    assert.deepEqual(await migrateLatest(db, [consumerKit, fulfillment, deployments]), []);
  });

  it("records each owner's migrations in a history of its own", async () => {
    const db = await freshDatabase();
    await migrateLatest(db, [consumerKit, fulfillment]);
    assert.deepEqual(await db("knex_migrations_consumer_kit").orderBy("id").pluck("name"), ["0002_consumer_kit", "0006_effect_call_attempts"]);
    assert.deepEqual(await db("knex_migrations_fulfillment").pluck("name"), ["0003_fulfillment_tasks"]);
    assert.equal(await db.schema.hasTable("knex_migrations"), false);
  });

  it("runs only the sets it is given: an owner started alone leaves the others' tables alone", async () => {
    const db = await freshDatabase();
    assert.deepEqual(await migrateLatest(db, [eventLog]), ["event_log/0001_accepted_events"]);
    assert.equal(await db.schema.hasTable("t_0003_fulfillment_tasks"), false);
  });

  it("rolls the given owners back to an empty schema and forward again", async () => {
    const db = await freshDatabase();
    await migrateLatest(db, [eventLog, consumerKit]);
    await rollbackAll(db, [eventLog, consumerKit]);
    assert.equal(await db.schema.hasTable("t_0001_accepted_events"), false);
    assert.equal(await db.schema.hasTable("t_0006_effect_call_attempts"), false);
    assert.deepEqual(await migrateLatest(db, [eventLog, consumerKit]), [
      "event_log/0001_accepted_events",
      "consumer_kit/0002_consumer_kit",
      "consumer_kit/0006_effect_call_attempts",
    ]);
  });

  describe("on a database migrated when one knex_migrations held every migration (all six recorded in knex_migrations)", () => {
    it("runs none of them again when each owner migrates with only its own set", async () => {
      const db = await freshDatabase();
      await migrateTheOldWay(db);
      for (const owner of [eventLog, consumerKit, fulfillment, deployments, reconciliation])
        assert.deepEqual(await migrateLatest(db, [owner]), [], owner.owner);
      assert.deepEqual(await db("knex_migrations_consumer_kit").orderBy("id").pluck("name"), ["0002_consumer_kit", "0006_effect_call_attempts"]);
    });

    it("runs only an owner's migrations added since", async () => {
      const db = await freshDatabase();
      await migrateTheOldWay(db);
      const grown: MigrationSet = { owner: "consumer_kit", migrations: [...consumerKit.migrations, ["0007_later", creates("t_0007_later")]] };
      assert.deepEqual(await migrateLatest(db, [grown, fulfillment]), ["consumer_kit/0007_later"]);
    });

    it("carries an owner's rows over once: a migration rolled back later is not brought back from the old history", async () => {
      const db = await freshDatabase();
      await migrateTheOldWay(db);
      await migrateLatest(db, [fulfillment]);
      await rollbackAll(db, [fulfillment]);
      assert.deepEqual(await migrateLatest(db, [fulfillment]), ["fulfillment/0003_fulfillment_tasks"]);
    });
  });
});

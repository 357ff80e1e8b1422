import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { HEADERS, consumerKitMigrations, deadLetterTopic, groupId, retryTopic } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { createKafka, ensureTopics, webhookTopicSpec, type Admin, type Kafka } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import { freePort, startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { runCli } from "./cli-process.ts";
import { expectedShown, postStripeEvent, runCliWithin, showEvent, type Posted } from "./shown-event.ts";

// One source and topic of this file's own, written by the real ingest; consumers with made-up names,
// whose records and group offsets the tests put in place as the kit would have.
describe("hooklog events show", () => {
  const source = uniqueName("cli-events");
  const topic = uniqueName("webhooks.cli-events");
  const secret = `whsec_${Date.now().toString(16)}0123456789abcdef`;
  const consumers = { done: uniqueName("done"), parked: uniqueName("parked"), dead: uniqueName("dead"), behind: uniqueName("behind") };
  let directory: string;
  let env: Record<string, string>;
  let ingest: ServiceProcess;
  let kafka: Kafka;
  let admin: Admin;
  let db: Knex;
  let first: Posted;
  let second: Posted;

  const post = () => postStripeEvent({ ingestUrl: ingest.url, source, secret, topic, env, db });

  before(async () => {
    const stack = await testStack();
    directory = await mkdtemp(join(tmpdir(), "hooklog-cli-events-"));
    const config = join(directory, "hooklog.config.yaml");
    // YAML is a superset of JSON.
    await writeFile(config, JSON.stringify({ sources: { [source]: { provider: "stripe", topic, partitions: 3 } } }));
    env = {
      HOOKLOG_CONFIG: config,
      HOOKLOG_STATE_DIR: directory,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      DATABASE_URL: stack.databaseUrl,
      [secretEnvVar(source)]: secret,
    };
    kafka = createKafka({ clientId: "cli-events-test", brokers: stack.kafkaBrokers.split(",") });
    await ensureTopics(kafka, [
      webhookTopicSpec({ topic, partitions: 3, maxBodyBytes: 1024 * 1024 }),
      { name: retryTopic(consumers.dead, 1), partitions: 1 },
      { name: deadLetterTopic(consumers.dead), partitions: 1 },
    ]);
    admin = kafka.admin();
    await admin.connect();
    db = connectDatabase(stack.databaseUrl);
    await migrateLatest(db, [consumerKitMigrations]);
    ingest = await startServiceProcess("ingest", env, "INGEST_PORT");
    first = await post();
    second = await post();

    const eventKey = `${source}:${first.providerEventId}`;
    const messageKey = first.message.key?.toString("utf8") as string;
    const { partition } = first.message;
    const offset = BigInt(first.message.offset);
    const commit = (consumer: string, at: bigint) => admin.setOffsets({ groupId: groupId(consumer), topic, partitions: [{ partition, offset: String(at) }] });
    await commit(consumers.done, offset + 1n);
    await commit(consumers.dead, offset + 1n);
    await commit(consumers.behind, offset);
    await db("processed_events").insert({
      consumer: consumers.done,
      event_key: eventKey,
      event_id: first.hubId,
      processed_at: new Date("2026-01-02T03:04:05.000Z"),
    });
    await db("held_keys").insert({ consumer: consumers.parked, message_key: messageKey, held_by: `${source}:evt_earlier` });
    await db("parked_events").insert({
      consumer: consumers.parked,
      message_key: messageKey,
      event_key: eventKey,
      topic,
      partition,
      offset: String(offset),
      value: first.message.value,
      headers: {},
      parked_at: new Date("2026-01-02T03:04:06.000Z"),
    });
    await db("held_keys").insert({ consumer: consumers.dead, message_key: messageKey, held_by: eventKey, held_since: new Date("2026-01-02T03:04:07.000Z") });
    // As the kit routes a failure: a copy to the first retry, then, failing again, to the dead letters.
    const producer = kafka.producer();
    await producer.connect();
    const failure = (attempt: string, error: string) => ({
      [HEADERS.eventKey]: eventKey,
      [HEADERS.attempt]: attempt,
      [HEADERS.error]: error,
      [HEADERS.dueAt]: "0",
    });
    await producer.send({
      topic: retryTopic(consumers.dead, 1),
      messages: [{ key: messageKey, value: first.message.value, headers: failure("1", "first failure") }],
    });
    await producer.send({
      topic: deadLetterTopic(consumers.dead),
      messages: [{ key: messageKey, value: first.message.value, headers: failure("2", "gave up") }],
    });
    await producer.disconnect();
  });

  after(async () => {
    await ingest?.stop();
    await admin?.disconnect();
    await db?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const expected = (posted: Posted, consumerReports: unknown[]) => expectedShown(source, topic, posted, consumerReports);
  const show = (posted: Posted, ...args: string[]) => showEvent(env, posted, args);

  it("finds an event by its hub id: envelope, position, payload, and each consumer's state from the kit's records", async () => {
    const shown = await show(first, first.hubId);

    const offset = BigInt(first.message.offset);
    const messageKey = first.message.key?.toString("utf8") as string;
    const held = { messageKey, since: "2026-01-02T03:04:07.000Z" };
    const reports = [
      { consumer: consumers.behind, group: groupId(consumers.behind), committedOffset: String(offset), state: "not-read" },
      {
        consumer: consumers.dead,
        group: groupId(consumers.dead),
        committedOffset: String(offset + 1n),
        state: "dead-lettered",
        topic: deadLetterTopic(consumers.dead),
        partition: 0,
        offset: "0",
        error: "gave up",
        holds: held,
      },
      {
        consumer: consumers.done,
        group: groupId(consumers.done),
        committedOffset: String(offset + 1n),
        state: "processed",
        processedAt: "2026-01-02T03:04:05.000Z",
      },
      {
        consumer: consumers.parked,
        group: groupId(consumers.parked),
        committedOffset: null,
        state: "parked",
        parkedAt: "2026-01-02T03:04:06.000Z",
        messageKey,
        behind: `${source}:evt_earlier`,
      },
    ].sort((a, b) => a.consumer.localeCompare(b.consumer));
    assert.deepEqual(shown, expected(first, reports));
  });

  it("finds an event by its provider's event id, and a consumer that has not read it says so", async () => {
    const shown = await show(second, second.providerEventId, "--source", source);

    // The groups committed on the first event's partition only, not past this later event.
    const samePartition = second.message.partition === first.message.partition;
    const committed = (at: bigint) => (samePartition ? String(BigInt(first.message.offset) + at) : null);
    const reports = [
      { consumer: consumers.behind, group: groupId(consumers.behind), committedOffset: committed(0n), state: "not-read" },
      { consumer: consumers.dead, group: groupId(consumers.dead), committedOffset: committed(1n), state: "not-read" },
      { consumer: consumers.done, group: groupId(consumers.done), committedOffset: committed(1n), state: "not-read" },
    ].sort((a, b) => a.consumer.localeCompare(b.consumer));
    assert.deepEqual(shown, expected(second, reports));
  });

  it("exits 1 with what happened and what to do for an id the ledger does not hold", async () => {
    const run = await runCli(["events", "show", "evt_nobody_sent_this"], env);

    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, run.stderr);
    assert.equal(lines[0], 'hooklog: no event has id "evt_nobody_sent_this" in the ledger');
    assert.match(lines[1] as string, /^hooklog: what to do: give the hub event id ingest answered with, or the provider's event id/);
  });

  it("exits 2 naming the sources when a provider event id is in more than one, and --source picks one", async () => {
    const other = uniqueName("cli-events-other");
    await db("accepted_events").insert({ source: other, provider_event_id: first.providerEventId, event_id: `${first.hubId}-other`, topic, origin: "webhook" });

    const ambiguous = await runCli(["events", "show", first.providerEventId], env);
    const picked = await show(first, first.providerEventId, "--source", source);

    assert.equal(ambiguous.code, 2);
    assert.equal(
      ambiguous.stderr,
      `hooklog: 2 events have provider event id ${JSON.stringify(first.providerEventId)}: in sources ${[source, other].sort().join(", ")}\n` +
        "hooklog: what to do: name the one you mean with --source <name>, or give its hub event id\n",
    );
    assert.equal(picked.event.id, first.hubId);
  });

  it("exits 1 in two lines when Postgres cannot be reached", async () => {
    const port = await freePort();

    const run = await runCli(["events", "show", first.hubId], { ...env, DATABASE_URL: `postgres://postgres:not-shown@127.0.0.1:${port}/hooklog` });

    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `hooklog: Postgres at 127.0.0.1:${port}/hooklog refused or did not answer (ECONNREFUSED)\n` +
        "hooklog: what to do: start the stack (npm start), or point KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL at the hub's\n",
    );
  });

  it("exits 1 in two lines, within a bounded time, when the schema registry cannot decode the event", async () => {
    const port = await freePort();

    const run = await runCliWithin(60_000, ["events", "show", first.hubId], { ...env, SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}` });

    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, "");
    // Progress lines come first on stderr; the failure is the lines the command itself prints.
    const said = run.stderr
      .trimEnd()
      .split("\n")
      .filter((line) => line.startsWith("hooklog: "));
    assert.equal(said.length, 2, run.stderr);
    assert.match(said[0] as string, new RegExp(`^hooklog: the schema registry at http://127\\.0\\.0\\.1:${port} failed`));
    assert.match(said[1] as string, /^hooklog: what to do: start the stack \(npm start\), or point .*SCHEMA_REGISTRY_URL/);
  });

  it("exits 2 for an option it does not know", async () => {
    const run = await runCli(["events", "show", first.hubId, "--no-such-option"], env);

    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /unknown option '--no-such-option'/);
  });

  // Consumers that failed the first event, put in place after the tests above have seen the others:
  // the states that come from a consumer's retry topics and dead letters, or from their lack.
  describe("a consumer that failed the event", () => {
    const failing = { retrying: uniqueName("retrying"), failed: uniqueName("failed"), older: uniqueName("older"), passed: uniqueName("passed") };
    const dueAt = new Date("2026-01-02T04:00:00.000Z");
    let messageKey: string;
    let reports: Map<string, Record<string, unknown>>;

    before(async () => {
      const eventKey = `${source}:${first.providerEventId}`;
      messageKey = first.message.key?.toString("utf8") as string;
      await ensureTopics(kafka, [
        { name: retryTopic(failing.retrying, 1), partitions: 1 },
        { name: deadLetterTopic(failing.older), partitions: 1 },
        { name: deadLetterTopic(failing.passed), partitions: 1 },
      ]);
      const since = new Date("2026-01-02T03:04:08.000Z");
      await db("held_keys").insert(
        [failing.retrying, failing.failed, failing.older].map((consumer) => ({ consumer, message_key: messageKey, held_by: eventKey, held_since: since })),
      );
      const offset = BigInt(first.message.offset);
      await admin.setOffsets({ groupId: groupId(failing.passed), topic, partitions: [{ partition: first.message.partition, offset: String(offset + 1n) }] });
      const copy = (attempt: string, error: string, extra: { timestamp?: string; dueAt?: string } = {}) => ({
        key: messageKey,
        value: first.message.value,
        headers: { [HEADERS.eventKey]: eventKey, [HEADERS.attempt]: attempt, [HEADERS.error]: error, [HEADERS.dueAt]: extra.dueAt ?? "0" },
        ...(extra.timestamp === undefined ? {} : { timestamp: extra.timestamp }),
      });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: retryTopic(failing.retrying, 1), messages: [copy("3", "timed out", { dueAt: String(dueAt.getTime()) })] });
      // Written an hour before the event was accepted: no copy of it can be that old.
      await producer.send({
        topic: deadLetterTopic(failing.older),
        messages: [copy("5", "older than the event", { timestamp: String(first.acceptedAt.getTime() - 3_600_000) })],
      });
      // A consumer that holds nothing did not fail the event: a copy in its dead letters is not read.
      await producer.send({ topic: deadLetterTopic(failing.passed), messages: [copy("5", "not read")] });
      await producer.disconnect();

      const shown = await show(first, first.hubId);
      reports = new Map(shown.consumers.map((report) => [(report as { consumer: string }).consumer, report as Record<string, unknown>]));
    });

    const held = () => ({ messageKey, since: "2026-01-02T03:04:08.000Z" });
    const failedHolding = (consumer: string) => ({ consumer, group: groupId(consumer), committedOffset: null, state: "failed", holds: held() });

    it("holding its key with a copy in a retry topic, is retrying: the topic, the copy's attempt, due time and error", () => {
      assert.deepEqual(reports.get(failing.retrying), {
        consumer: failing.retrying,
        group: groupId(failing.retrying),
        committedOffset: null,
        state: "retrying",
        topic: retryTopic(failing.retrying, 1),
        attempt: 3,
        dueAt: dueAt.toISOString(),
        error: "timed out",
        holds: held(),
      });
    });

    it("holding its key with no copy in its retry topics or dead letters, is failed", () => {
      assert.deepEqual(reports.get(failing.failed), failedHolding(failing.failed));
    });

    it("holding its key, is failed when its only copy was written before the event was accepted: older records are not read", () => {
      assert.deepEqual(reports.get(failing.older), failedHolding(failing.older));
    });

    it("read past the event holding nothing, is passed without its retry topics or dead letters read", () => {
      assert.deepEqual(reports.get(failing.passed), {
        consumer: failing.passed,
        group: groupId(failing.passed),
        committedOffset: String(BigInt(first.message.offset) + 1n),
        state: "passed",
      });
    });
  });
});

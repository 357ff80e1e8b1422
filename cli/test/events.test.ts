import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { HEADERS, consumerKitMigrations, deadLetterTopic, groupId, retryTopic } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { SchemaRegistryClient, createKafka, ensureTopics, header, webhookTopicSpec, type Admin, type Kafka } from "@hooklog/kafka";
import { providerModule } from "@hooklog/providers";
import type { WebhookEvent } from "@hooklog/schemas";
import { secretEnvVar } from "@hooklog/sources";
import { freePort, readTopic, startServiceProcess, testStack, uniqueName, type ReadMessage, type ServiceProcess } from "@hooklog/testkit";
import { runCli } from "./cli-process.ts";

interface Posted {
  hubId: string;
  providerEventId: string;
  body: unknown;
  message: ReadMessage;
  envelope: WebhookEvent;
  acceptedAt: Date;
}

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

  async function post(): Promise<Posted> {
    const stripe = providerModule("stripe");
    const delivery = await stripe.sampleDelivery(stripe.sampleTypes[0] as string, { secret });
    const response = await fetch(`${ingest.url}/webhooks/${source}`, { method: "POST", headers: delivery.headers, body: delivery.rawBody });
    assert.equal(response.status, 202, await response.clone().text());
    const { eventId } = (await response.json()) as { eventId: string };
    const body = JSON.parse(delivery.rawBody.toString("utf8")) as { id: string };
    const messages = await readTopic(env.KAFKA_BROKERS as string, topic, { toEnd: true });
    const message = messages.find((candidate) => header(candidate.headers, "hooklog-event-id") === eventId);
    assert.ok(message, "ingest wrote the event");
    const envelope = (await new SchemaRegistryClient(env.SCHEMA_REGISTRY_URL as string).decode(message.value as Buffer)) as WebhookEvent;
    const row = await db("accepted_events").where({ source, event_id: eventId }).first("accepted_at");
    return { hubId: eventId, providerEventId: body.id, body, message, envelope, acceptedAt: (row as { accepted_at: Date }).accepted_at };
  }

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

  const expected = (posted: Posted, consumerReports: unknown[]) => ({
    event: {
      id: posted.hubId,
      source,
      provider: "stripe",
      providerEventId: posted.providerEventId,
      type: (posted.body as { type: string }).type,
      origin: "webhook",
      receivedAt: new Date(posted.envelope.receivedAt).toISOString(),
      providerTimestamp: posted.envelope.providerTimestamp === null ? null : new Date(posted.envelope.providerTimestamp).toISOString(),
      acceptedAt: posted.acceptedAt.toISOString(),
      contentType: "application/json; charset=utf-8",
      verification: { scheme: "stripe-v1", secretIndex: 0 },
      headers: {},
    },
    eventKey: `${source}:${posted.providerEventId}`,
    position: { topic, partition: posted.message.partition, offset: posted.message.offset, key: posted.message.key?.toString("utf8") ?? null },
    payload: { format: "json", value: posted.body },
    consumers: consumerReports,
  });

  /** The command's JSON, its record timestamp checked apart: ingest's producer sets it, between receipt and the ledger's record. */
  async function show(posted: Posted, ...args: string[]) {
    const run = await runCli(["events", "show", ...args, "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    const shown = JSON.parse(run.stdout) as ReturnType<typeof expected> & { position: { timestamp: string } };
    const { timestamp, ...position } = shown.position;
    const written = Date.parse(timestamp);
    assert.ok(written >= posted.envelope.receivedAt && written <= posted.acceptedAt.getTime() + 1000, `written at ${timestamp}`);
    return { ...shown, position };
  }

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

  it("exits 2 for an option it does not know", async () => {
    const run = await runCli(["events", "show", first.hubId, "--no-such-option"], env);

    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /unknown option '--no-such-option'/);
  });
});

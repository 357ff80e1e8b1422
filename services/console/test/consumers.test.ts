import { strict as assert } from "node:assert";
import { migrateLatest } from "@hooklog/db";
import { recordCircuit, routesMigrations } from "@hooklog/routes";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { deadLetterTopic, groupId, HEADERS, retryTopic } from "@hooklog/consumer-kit";
import { createKafka, ensureTopics, type Kafka } from "@hooklog/kafka";
import { secretEnvVar, type SourceConfig } from "@hooklog/sources";
import { eventually, readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { consoleKafkaOf } from "../src/kafka-admin.ts";
import { LagHistory, lagHistoryOf, sampleLag, startLagHistory } from "../src/lag-history.ts";
import { ALICE, type ConsoleUnderTest, signIn, startConsole } from "./harness.ts";

type Json = Record<string, unknown>;

describe("the consumers area", () => {
  let console_: ConsoleUnderTest;
  let kafka: Kafka;
  let brokers: string;
  /** A consumer known only by what it recorded in Postgres. */
  const recorded = uniqueName("cons-rec");
  /** A consumer with a Kafka group: offsets committed on a source topic of this test. */
  const grouped = uniqueName("cons-grp");
  const sourceName = uniqueName("cons-src");
  const topic = `webhooks.${sourceName}`;
  const source: SourceConfig = {
    name: sourceName,
    provider: "stripe",
    toleranceSeconds: 300,
    topic,
    partitions: 2,
    maxBodyBytes: 1_048_576,
    replicationFactor: undefined,
    minInSyncReplicas: undefined,
    rateLimit: undefined,
    eventTypes: undefined,
    contentEncodings: [],
    options: undefined,
    secretEnvVar: secretEnvVar(sourceName),
    secrets: [],
  };

  before(async () => {
    brokers = (await testStack()).kafkaBrokers;
    kafka = createKafka({ clientId: "console-consumers-test", brokers: brokers.split(",") });
    console_ = await startConsole({ overrides: { sources: [source] } });
    await ensureTopics(kafka, [
      { name: topic, partitions: 2 },
      { name: retryTopic(grouped, 1), partitions: 1 },
    ]);
    // Five messages on partition 0, three on partition 1: the events the catalog rows below point at.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...[0, 1, 2, 3, 4].map((n) => ({ partition: 0, key: `order-${n}`, value: `event ${n}` })),
        ...[0, 1, 2].map((n) => ({ partition: 1, key: `refund-${n}`, value: `event ${5 + n}` })),
      ],
    });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: groupId(grouped),
      topic,
      partitions: [
        { partition: 0, offset: "2" },
        { partition: 1, offset: "3" },
      ],
    });
    await admin.disconnect();
  });
  after(async () => {
    await consoleKafkaOf(console_.deps).close();
    await console_.close();
  });

  const call = async <T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${console_.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ALICE.token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  it("shows what a consumer recorded: events per state, handler runs per minute and its oldest dead letters", async () => {
    const minute = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
    const at = (minutes: number) => new Date(minute + minutes * 60_000);
    const state = (key: string, what: string, updatedAt: Date, error: string | null = null) => ({
      consumer: recorded,
      event_key: key,
      event_id: `id-${key}`,
      topic: "webhooks.stripe",
      partition: 0,
      offset: "1",
      state: what,
      attempts: what === "dead_lettered" ? 5 : 1,
      last_error: error,
      updated_at: updatedAt,
    });
    await console_
      .db("consumer_event_states")
      .insert([
        state("a", "processed", at(0)),
        state("b", "processed", at(1)),
        state("c", "retrying", at(1)),
        state("d", "dead_lettered", at(2), "HTTP 500 from the CRM"),
        state("e", "dead_lettered", at(3), "HTTP 400 from the CRM"),
      ]);
    const attempt = (key: string, outcome: string, startedAt: Date) => ({
      consumer: recorded,
      event_key: key,
      event_id: `id-${key}`,
      attempt: 1,
      outcome,
      started_at: startedAt,
    });
    await console_
      .db("consumer_event_attempts")
      .insert([
        attempt("a", "processed", at(0)),
        attempt("b", "processed", at(1)),
        attempt("f", "processed", new Date(at(1).getTime() + 20_000)),
        attempt("c", "failed", at(1)),
        attempt("d", "failed", at(2)),
      ]);

    const { status, body } = await call<{
      counts: Record<string, number>;
      oldestDeadLetterAt: string;
      activity: { processed: Array<{ bucket: string; count: number }>; failed: Array<{ bucket: string; count: number }> };
      deadLetters: Array<{ eventId: string; lastError: string }>;
      group: { state: string; members: unknown[] };
      lag: unknown[];
    }>("GET", `/api/consumers/${recorded}?hours=1`);
    assert.equal(status, 200);
    assert.deepEqual(body.counts, { processed: 2, retrying: 1, dead_lettered: 2, parked: 0, redriven: 0, rerun_requested: 0 });
    assert.equal(body.oldestDeadLetterAt, at(2).toISOString());
    assert.deepEqual(body.activity.processed, [
      { bucket: at(0).toISOString(), count: 1 },
      { bucket: at(1).toISOString(), count: 2 },
    ]);
    assert.deepEqual(body.activity.failed, [
      { bucket: at(1).toISOString(), count: 1 },
      { bucket: at(2).toISOString(), count: 1 },
    ]);
    assert.deepEqual(
      body.deadLetters.map((letter) => [letter.eventId, letter.lastError]),
      [
        ["id-d", "HTTP 500 from the CRM"],
        ["id-e", "HTTP 400 from the CRM"],
      ],
    );
    assert.deepEqual([body.group.state, body.group.members, body.lag], ["Dead", [], []], "Kafka has no group of that name");

    const list = await call<{ consumers: Array<{ name: string; counts: Record<string, number>; oldestDeadLetterAt: string }> }>("GET", "/api/consumers");
    const listed = list.body.consumers.find((consumer) => consumer.name === recorded);
    assert.equal(listed?.counts.dead_lettered, 2);
    assert.equal(listed?.oldestDeadLetterAt, at(2).toISOString());
  });

  it("says on a route destination's page that its deliveries are paused while its circuit is open", async () => {
    const destination = uniqueName("route-paid-orders");
    await console_.db("consumer_event_states").insert({
      consumer: destination,
      event_key: "src:evt_1",
      event_id: "id-circuit",
      topic: "webhooks.stripe",
      partition: 0,
      offset: "1",
      state: "retrying",
      attempts: 1,
      last_error: "paused",
      updated_at: new Date(),
    });
    await migrateLatest(console_.db, [routesMigrations]);
    await recordCircuit(console_.db, {
      consumer: destination,
      route: "paid",
      destination: "orders",
      open: true,
      failures: 5,
      lastError: "answered 503: <down>",
    });
    const { cookie } = await signIn(console_.url, ALICE.token);
    const page = await fetch(`${console_.url}/consumers/${destination}`, { headers: { cookie } }).then((response) => response.text());
    assert.match(page, /data-testid="circuit-open">Deliveries of route paid to orders are paused since .*: 5 failed in a row \(answered 503: &lt;down&gt;\)/);
    await recordCircuit(console_.db, { consumer: destination, route: "paid", destination: "orders", open: false, failures: 0, lastError: null });
    const after = await fetch(`${console_.url}/consumers/${destination}`, { headers: { cookie } }).then((response) => response.text());
    assert.doesNotMatch(after, /circuit-open/);
  });

  it("answers a consumer nobody knows 404 and a bad window 400, saying what it takes", async () => {
    assert.equal((await call("GET", `/api/consumers/${uniqueName("nobody")}`)).status, 404);
    const bad = await call<{ error: { message: string } }>("GET", `/api/consumers/${recorded}?hours=48`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /hours: a whole number of hours from 1 to 24/);
  });

  it("shows the group's lag per partition from Kafka, and its history once sampled", async () => {
    const { body } = await call<{ lag: unknown[]; lagHistory: unknown[] }>("GET", `/api/consumers/${grouped}`);
    assert.deepEqual(body.lag, [
      { topic, partition: 0, committed: "2", end: "5", lag: 3 },
      { topic, partition: 1, committed: "3", end: "3", lag: 0 },
    ]);
    await sampleLag(console_.deps);
    assert.deepEqual(
      lagHistoryOf(console_.deps)
        .of(grouped)
        .map((sample) => sample.partitions),
      [{ [`${topic}/0`]: 3, [`${topic}/1`]: 0 }],
    );
    const after = await call<{ lagHistory: Array<{ partitions: Json }> }>("GET", `/api/consumers/${grouped}`);
    assert.equal(after.body.lagHistory.length, 1);

    const { cookie } = await signIn(console_.url, ALICE.token);
    const page = await fetch(`${console_.url}/consumers/${grouped}`, { headers: { cookie } }).then((response) => response.text());
    assert.match(page, /history starts|since the console started/);
    assert.match(page, new RegExp(`<td>${topic.replaceAll(".", "\\.")}</td><td>0</td><td>2</td><td>5</td><td>3</td>`));
    assert.match(page, /data-action="POST \/api\/consumers\/[^"]+\/redrive"/);
  });

  it("shows a running member of the group", async () => {
    const member = kafka.consumer({ groupId: groupId(grouped) });
    try {
      await member.connect();
      await member.subscribe({ topics: [topic] });
      await member.run({ autoCommit: false, eachMessage: async () => {} });
      const members = await eventually("the member in the group", async () => {
        const { body } = await call<{ group: { state: string; members: Array<{ clientId: string }> } }>("GET", `/api/consumers/${grouped}`);
        return body.group.members.length === 1 && body.group;
      });
      assert.equal(members.state, "Stable");
      assert.equal(members.members[0]?.clientId, "console-consumers-test");
    } finally {
      await member.disconnect();
    }
  });

  it("counts the events a replay's filter matches, and how many the consumer processed, before replaying them into it with progress", async () => {
    const events = [
      ...[0, 1, 2, 3, 4].map((offset) => ({ partition: 0, offset, type: "order.created" })),
      ...[0, 1, 2].map((offset) => ({ partition: 1, offset, type: "refund.created" })),
    ];
    await console_.db("catalog_events").insert(
      events.map((event, index) => ({
        event_id: randomUUID(),
        source: sourceName,
        provider: "stripe",
        provider_event_id: `evt_${index}`,
        type: event.type,
        origin: "webhook",
        received_at: new Date(Date.now() - (10 - index) * 60_000),
        verification_scheme: "stripe-v1",
        content_type: "application/json",
        headers: "{}",
        topic,
        partition: event.partition,
        offset: String(event.offset),
        payload: JSON.stringify({ index }),
        payload_bytes: 20,
        search: console_.db.raw("to_tsvector('simple', ?)", [event.type]),
      })),
    );
    await console_.db("processed_events").insert({ consumer: grouped, event_key: `${sourceName}:evt_0`, event_id: "already" });

    const dry = await call<{ matching: number; alreadyProcessed: number; topics: string[] }>("POST", `/api/consumers/${grouped}/replay`, {
      filter: { type: "order.created" },
      dryRun: true,
    });
    assert.equal(dry.status, 200);
    assert.deepEqual([dry.body.matching, dry.body.alreadyProcessed, dry.body.topics], [5, 1, [topic]]);

    const started = await call<{ job: string }>("POST", `/api/consumers/${grouped}/replay`, { filter: { type: "order.created" } });
    assert.equal(started.status, 202);
    const job = await eventually("the replay job to end", async () => {
      const { body } = await call<{ state: string; done: number; total: number; summary: string }>("GET", started.body.job);
      return body.state !== "running" && body;
    });
    assert.deepEqual([job.state, job.done, job.total], ["done", 5, 5], job.summary);

    const resent = await readTopic(brokers, retryTopic(grouped, 1), { count: 5 });
    assert.deepEqual(resent.map((message) => message.value?.toString()).sort(), ["event 0", "event 1", "event 2", "event 3", "event 4"]);
    const states = await console_.db("consumer_event_states").where({ consumer: grouped }).orderBy("event_key");
    assert.equal(states.length, 5);
    assert.ok(states.every((row) => row.state === "rerun_requested"));
    const attempts = await console_.db("consumer_event_attempts").where({ consumer: grouped, outcome: "replayed" });
    assert.ok(attempts.length === 5 && attempts.every((row) => row.actor === "alice"));
    const action = await console_.db("console_actions").where({ action: "replay", consumer: grouped }).first();
    assert.equal(action?.actor, "alice");
    assert.deepEqual(action?.detail.filter, { type: ["order.created"] });
    assert.equal(action?.detail.events, 5);
  });

  it("refuses a replay filter it cannot read, saying what it takes", async () => {
    const bad = await call<{ error: { code: string; message: string } }>("POST", `/api/consumers/${grouped}/replay`, {
      filter: { colour: "red" },
      dryRun: true,
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /"filter": \{"source"\?/);
    const time = await call<{ error: { message: string } }>("POST", `/api/consumers/${grouped}/replay`, { filter: { from: "last week" }, dryRun: true });
    assert.equal(time.status, 400);
    assert.match(time.body.error.message, /filter\.from: since must be a duration/);
  });

  it("redrives every dead letter as a job that reports progress to done, and records who asked", async () => {
    const consumer = uniqueName("cons-dlq");
    await ensureTopics(kafka, [
      { name: deadLetterTopic(consumer), partitions: 1 },
      { name: retryTopic(consumer, 1), partitions: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic(consumer),
      messages: ["k1", "k2", "k3"].map((key) => ({ key, value: `dead ${key}`, headers: { [HEADERS.eventKey]: `src:${key}`, [HEADERS.attempt]: "5" } })),
    });
    await producer.disconnect();

    const started = await call<{ job: string; id: string }>("POST", `/api/consumers/${consumer}/redrive`, {});
    assert.equal(started.status, 202);
    assert.equal(started.body.job, `/api/jobs/${started.body.id}`);
    const job = await eventually("the redrive job to end", async () => {
      const { body } = await call<{ state: string; done: number; total: number; result: Json; actor: string }>("GET", started.body.job);
      return body.state !== "running" && body;
    });
    assert.deepEqual([job.state, job.done, job.total, job.actor], ["done", 3, 3, "alice"]);
    assert.deepEqual(job.result, { inDeadLetters: 3, redriven: 3, alreadyProcessed: 0 });
    const redriven = await readTopic(brokers, retryTopic(consumer, 1), { count: 3 });
    assert.deepEqual(
      redriven.map((message) => message.value?.toString()),
      ["dead k1", "dead k2", "dead k3"],
    );
    const action = await console_.db("console_actions").where({ action: "redrive", consumer }).first();
    assert.equal(action?.actor, "alice");
    assert.deepEqual(action?.detail, { job: started.body.id });
  });

  it("says so, instead of hanging, when Kafka does not answer: the recorded part still shows, a replay is 503", async () => {
    const down = await startConsole({ overrides: { kafkaBrokers: ["127.0.0.1:1"], sources: [source] } });
    try {
      const get = (path: string) => fetch(`${down.url}${path}`, { headers: { authorization: `Bearer ${ALICE.token}`, "content-type": "application/json" } });
      const list = (await (await get("/api/consumers")).json()) as { kafkaProblem: string; consumers: Array<{ name: string; group: unknown }> };
      assert.match(list.kafkaProblem, /^Kafka \(127\.0\.0\.1:1\) (did not answer|failed) listing the consumer groups/);
      assert.equal(list.consumers.find((consumer) => consumer.name === recorded)?.group, null);
      const detail = (await (await get(`/api/consumers/${recorded}`)).json()) as { kafkaProblem: string; counts: Record<string, number> };
      assert.match(detail.kafkaProblem, /^Kafka \(127\.0\.0\.1:1\)/);
      assert.equal(detail.counts.dead_lettered, 2);
      const replay = await fetch(`${down.url}/api/consumers/${recorded}/replay`, {
        method: "POST",
        headers: { authorization: `Bearer ${ALICE.token}`, "content-type": "application/json" },
        body: JSON.stringify({ dryRun: true }),
      });
      assert.equal(replay.status, 503);
      assert.equal(((await replay.json()) as { error: { code: string } }).error.code, "kafka_unavailable");
      const { cookie } = await signIn(down.url, ALICE.token);
      const page = await fetch(`${down.url}/consumers`, { headers: { cookie } }).then((response) => response.text());
      assert.match(page, /Kafka did not answer, so groups, members and lag are missing/);
    } finally {
      await consoleKafkaOf(down.deps).close();
      await down.close();
    }
  });

  it("keeps a day of lag samples per consumer, the oldest dropped as new ones come", () => {
    const history = new LagHistory({ startedAt: new Date(0), keepMs: 60_000 });
    for (const seconds of [0, 30, 60, 90]) history.record("orders", { at: new Date(seconds * 1000), partitions: { "t/0": seconds } });
    assert.deepEqual(
      history.of("orders").map((sample) => sample.at.getTime() / 1000),
      [30, 60, 90],
    );
    assert.deepEqual(history.of("other"), []);
  });

  it("samples every interval once started; stop() ends it", async () => {
    const sampled = await startConsole();
    const sampler = startLagHistory(sampled.deps, { intervalMs: 50 });
    try {
      await eventually("two samples of the grouped consumer", () => lagHistoryOf(sampled.deps).of(grouped).length >= 2);
    } finally {
      await sampler.stop();
      await sampled.close();
    }
  });

  it("answers an unknown job 404", async () => {
    assert.equal((await call("GET", `/api/jobs/${randomUUID()}`)).status, 404);
  });
});

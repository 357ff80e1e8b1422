import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { HEADERS, consumerKitMigrations, deadLetterTopic, groupId, retryTopic } from "@hooklog/consumer-kit";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { createKafka, ensureTopics, type Admin, type Kafka } from "@hooklog/kafka";
import { eventually, testStack, uniqueName } from "@hooklog/testkit";

const repoRoot = resolve(import.meta.dirname, "..", "..");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a person runs it: a process of its own, exit code and both streams. */
async function hooklog(env: Record<string, string>, ...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--disable-warning=TimeoutNegativeWarning", "cli/bin/hooklog.ts", ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const json = (ran: Ran): Record<string, unknown> => JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "") as Record<string, unknown>;

/** Messages between the start and the end of each partition of `topic`. */
async function held(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
}

/** The consumer groups a redrive of `consumer` read its dead letters with that are still in Kafka. */
async function redriveReaders(admin: Admin, consumer: string): Promise<string[]> {
  const { groups } = await admin.listGroups();
  return groups.map((group) => group.groupId).filter((id) => id.startsWith(`${groupId(consumer)}.redrive.`));
}

describe("hooklog redrive, replay and release on a consumer's real state", () => {
  const consumer = uniqueName("cli-ops");
  const topic = uniqueName("webhooks.cli-ops");
  const key = (id: string): string => `cli-ops-source:${id}`;
  let env: Record<string, string>;
  let db: Knex;
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    const stack = await testStack();
    env = { KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl };
    db = connectDatabase(stack.databaseUrl, { poolMax: 2 });
    await migrateLatest(db, [consumerKitMigrations]);
    kafka = createKafka({ clientId: "cli-ops-test", brokers: stack.kafkaBrokers.split(",") });
    await ensureTopics(kafka, [
      { name: topic, partitions: 3 },
      { name: deadLetterTopic(consumer), partitions: 1 },
      { name: retryTopic(consumer, 1), partitions: 3 },
    ]);
    admin = kafka.admin();
    await admin.connect();
    // What a consumer that ran leaves behind: 4 events from 3 hours ago and 6 from now, all committed;
    // 3 dead letters, the last of them processed since (a redrive must skip it); one key held with 2 parked.
    // Idempotent: a send retried under load would otherwise write a partition's batch twice and skew the counts.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const threeHoursAgo = String(Date.now() - 3 * 3_600_000);
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, index) => ({ key: `k${index}`, value: `event ${index}`, ...(index < 4 ? { timestamp: threeHoursAgo } : {}) })),
    });
    await producer.send({
      topic: deadLetterTopic(consumer),
      messages: ["evt_1", "evt_2", "evt_3"].map((id) => ({ key: id, value: id, headers: { [HEADERS.eventKey]: key(id), [HEADERS.attempt]: "5" } })),
    });
    await producer.disconnect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId: groupId(consumer), topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
    await db("processed_events").insert({ consumer, event_key: key("evt_3"), event_id: "e3" });
    await db("held_keys").insert({ consumer, message_key: "order-1", held_by: key("evt_9") });
    await db("parked_events").insert(
      [10, 11].map((offset) => ({
        consumer,
        message_key: "order-1",
        event_key: key(`evt_${offset}`),
        topic,
        partition: 0,
        offset: String(offset),
        value: Buffer.from("x"),
        headers: {},
      })),
    );
  });

  after(async () => {
    await admin?.disconnect();
    await db?.destroy();
  });

  it("redrive --dry-run counts the dead letters read, those it would redrive and those already processed, and sends nothing", async () => {
    const ran = await hooklog(env, "--json", "redrive", consumer, "--dry-run");

    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(json(ran), { consumer, dryRun: true, inDeadLetters: 3, redriven: 2, alreadyProcessed: 1 });
    assert.match(ran.stderr, new RegExp(`read 3 dead letter\\(s\\) of ${consumer}`), "the read's progress goes to stderr");
    assert.equal(await held(admin, deadLetterTopic(consumer)), 3, "the dead letters are still there");
    assert.equal(await held(admin, retryTopic(consumer, 1)), 0, "nothing went to the first retry");
    assert.deepEqual(await redriveReaders(admin, consumer), [], "the reader's group is gone");
  });

  it("redrive without --dry-run sends those it counted to the first retry with a fresh attempt", async () => {
    const ran = await hooklog(env, "redrive", consumer);

    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /3 dead letter\(s\) read; 2 redriven through .*\.retry\.1; 1 already processed/);
    assert.equal(await held(admin, retryTopic(consumer, 1)), 2);
    assert.deepEqual(await redriveReaders(admin, consumer), [], "the reader's group is gone");
  });

  it("replay --since 2h --dry-run counts what would be read again per topic and in total, and moves no committed offset", async () => {
    const committed = await admin.fetchOffsets({ groupId: groupId(consumer), topics: [topic] });

    const since = await hooklog(env, "--json", "replay", consumer, "--since", "2h", "--dry-run");
    const beginning = await hooklog(env, "replay", consumer, "--from-beginning", "--dry-run", "--topics", topic);

    assert.equal(since.code, 0, since.stderr);
    const plan = json(since);
    assert.deepEqual([plan.dryRun, plan.topics, plan.total, plan.runningMembers], [true, [{ topic, messages: 6 }], 6, 0]);
    assert.equal(beginning.code, 0, beginning.stderr);
    assert.match(beginning.stdout, new RegExp(`read 10 message\\(s\\) again:\\n  ${topic}: 10\\n.*no running members`));
    assert.deepEqual(await admin.fetchOffsets({ groupId: groupId(consumer), topics: [topic] }), committed);
  });

  it("replay --since 2h then sets the committed offsets to the first message of the last two hours", async () => {
    const ran = await hooklog(env, "replay", consumer, "--since", "2h");

    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /rewound .* 6 message\(s\) to read again/);
    const [offsets] = await admin.fetchOffsets({ groupId: groupId(consumer), topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const behind = (offsets?.partitions ?? []).reduce(
      (sum, { partition, offset }) => sum + Number(ends.find((end) => end.partition === partition)?.high) - Number(offset),
      0,
    );
    assert.equal(behind, 6);
  });

  it("release --key --dry-run names the key's holder and how many parked events would follow, and changes nothing", async () => {
    const ran = await hooklog(env, "--json", "release", consumer, "--key", "order-1", "--dry-run");

    assert.equal(ran.code, 0, ran.stderr);
    const shown = json(ran);
    assert.deepEqual([shown.dryRun, shown.heldBy, shown.parked], [true, key("evt_9"), 2]);
    assert.equal((await db("held_keys").where({ consumer }).first("held_by"))?.held_by, key("evt_9"));
    assert.equal((await db("parked_events").where({ consumer })).length, 2);
    assert.equal(await held(admin, retryTopic(consumer, 1)), 2, "only the two redriven dead letters");
  });

  for (const [what, args] of [
    ["both --from-beginning and --since", ["--from-beginning", "--since", "2h"]],
    ["neither --from-beginning nor --since", []],
    ["an option it does not know", ["--since", "2h", "--tpoics", "a"]],
    ["a --since it cannot read", ["--since", "yesterday"]],
  ] as const) {
    it(`replay with ${what} is a usage error: exit 2, nothing moved`, async () => {
      const ran = await hooklog(env, "replay", consumer, ...args, "--dry-run");

      assert.equal(ran.code, 2, ran.stderr);
      assert.equal(ran.stdout, "");
      assert.match(ran.stderr, /hooklog|error/);
    });
  }

  it("replay --topics naming a topic Kafka does not have is a usage error naming it", async () => {
    const ran = await hooklog(env, "replay", consumer, "--since", "2h", "--topics", `${topic},${topic}-typo`, "--dry-run");

    assert.equal(ran.code, 2, ran.stderr);
    assert.match(ran.stderr, new RegExp(`hooklog: Kafka has no topic ${topic}-typo\n`));
  });

  it("an unknown consumer exits 1 with two lines: there is none, and which consumers there are", async () => {
    const ran = await hooklog(env, "redrive", `${consumer}-typo`, "--dry-run");

    assert.equal(ran.code, 1);
    const lines = ran.stderr.trim().split("\n");
    assert.equal(lines.length, 2, ran.stderr);
    assert.match(lines[0] ?? "", new RegExp(`there is no consumer "${consumer}-typo": Kafka has no group hooklog\\.${consumer}-typo`));
    assert.match(lines[1] ?? "", new RegExp(`what to do: use one of: .*\\b${consumer}\\b`));
  });

  it("replay refuses while the group has a running member, saying to stop every instance first", async () => {
    const member = kafka.consumer({ groupId: groupId(consumer), sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await member.connect();
    try {
      let joined = false;
      member.on(member.events.GROUP_JOIN, () => {
        joined = true;
      });
      await member.subscribe({ topics: [topic] });
      await member.run({ autoCommit: false, eachMessage: async () => {} });
      await eventually("the member to join", () => joined);

      const ran = await hooklog(env, "replay", consumer, "--from-beginning");

      assert.equal(ran.code, 1);
      assert.deepEqual(ran.stderr.trim().split("\n"), [
        `hooklog: the consumer group hooklog.${consumer} still has 1 running member(s)`,
        `hooklog: what to do: stop every instance of ${consumer} first: Kafka moves a group's offsets only while it has no members`,
      ]);
    } finally {
      await member.disconnect();
    }
  });
});

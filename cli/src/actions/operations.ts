// What `hooklog redrive | replay | release` do (commands/operations.ts declares them): operate a
// consumer's dead letters, offsets and held keys by the consumer kit's own commands; `--dry-run`
// counts what they would do and changes nothing.
import {
  committedTopics,
  consumerNames,
  groupId,
  groupMembers,
  heldKeys,
  redrive,
  release,
  replay,
  replayPlan,
  retryTopic,
  type HeldKey,
} from "@hooklog/consumer-kit";
import type { Knex } from "@hooklog/db";
import type { Command } from "commander";
import { connectAdmin, kafkaFailure, openDatabase, openKafka, query } from "../connections.ts";
import { CliError, UsageError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";
import type { ReplayOptions } from "../commands/operations.ts";
import { readSince } from "../commands/reconcile.ts";

export async function redriveCommand(consumer: string, options: { event?: string; dryRun?: boolean }, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  const dryRun = options.dryRun === true;
  await withDatabase(hub(), async (db) => {
    await requireConsumer(consumer, hub(), db);
    const reading = `reading the dead letters of ${consumer}`;
    const progress = out.progress(reading);
    const result = await redrive(consumer, {
      kafkaBrokers: hub().kafkaBrokers,
      db,
      ...(options.event ? { eventKey: options.event } : {}),
      dryRun,
      onProgress: (read, total) => progress.update(`${reading}: ${read} of ${total}`),
    });
    progress.done(`read ${result.inDeadLetters} dead letter(s) of ${consumer}`);
    const which = options.event ? ` of event ${options.event}` : "";
    const text = dryRun
      ? `${consumer}: ${result.inDeadLetters} dead letter(s) read; ${result.redriven}${which} would be redriven through ${retryTopic(consumer, 1)}; ${result.alreadyProcessed} already processed (left alone). Dry run: nothing sent.`
      : `${consumer}: ${result.inDeadLetters} dead letter(s) read; ${result.redriven}${which} redriven through ${retryTopic(consumer, 1)}; ${result.alreadyProcessed} already processed (left alone).`;
    out.result(text, { consumer, dryRun, ...(options.event ? { eventKey: options.event } : {}), ...result });
  });
}

const STOP_IT_FIRST = (consumer: string): string => `stop every instance of ${consumer} first: Kafka moves a group's offsets only while it has no members`;

export async function replayCommand(consumer: string, options: ReplayOptions, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  if ((options.fromBeginning === true) === (options.since !== undefined))
    throw new UsageError("replay takes one of --from-beginning and --since", `hooklog replay ${consumer} --since 2h (or --from-beginning)`);
  const since = options.since === undefined ? undefined : readSince(options.since);
  await withDatabase(hub(), async (db) => {
    await requireConsumer(consumer, hub(), db);
    await rewind(consumer, { ...options, since }, hub(), out);
  });
}

async function rewind(consumer: string, options: { topics?: string; since: Date | undefined; dryRun?: boolean }, hub: Hub, out: Output): Promise<void> {
  const { kafkaBrokers } = hub;
  const { since } = options;
  const topics = options.topics?.split(",").filter((topic) => topic.length > 0) ?? (await committedTopics(consumer, { kafkaBrokers }));
  await requireTopics(hub, topics);
  if (topics.length === 0)
    throw new CliError(`${consumer} has committed no offsets yet, so there is nothing to rewind by default`, "name the topics with --topics a,b");
  const members = await groupMembers(consumer, { kafkaBrokers });
  const plan = await replayPlan(consumer, { kafkaBrokers, topics, ...(since ? { since } : {}) });
  const from = since ? since.toISOString() : "the beginning";
  if (options.dryRun) {
    const lines = [
      `${consumer}: rewinding to ${from} would have it read ${plan.total} message(s) again:`,
      ...plan.topics.map(({ topic, messages }) => `  ${topic}: ${messages}`),
      members === 0
        ? `The group ${groupId(consumer)} has no running members: the replay can go ahead. Dry run: no offset moved.`
        : `The group ${groupId(consumer)} has ${members} running member(s): ${STOP_IT_FIRST(consumer)}. Dry run: no offset moved.`,
    ];
    out.result(lines.join("\n"), { consumer, dryRun: true, from, topics: plan.topics, total: plan.total, runningMembers: members });
    return;
  }
  if (members > 0) throw new CliError(`the consumer group ${groupId(consumer)} still has ${members} running member(s)`, STOP_IT_FIRST(consumer));
  try {
    await replay(consumer, { kafkaBrokers, topics, ...(since ? { since } : {}) });
  } catch (error) {
    // A member that joined since the check above: kafkajs refuses with this message and no code of its own.
    if (/no running instances/i.test((error as Error).message))
      throw new CliError(`the consumer group ${groupId(consumer)} gained a member while rewinding`, STOP_IT_FIRST(consumer), { cause: error });
    throw error;
  }
  out.result(`${consumer}: rewound ${topics.join(", ")} to ${from}: ${plan.total} message(s) to read again; start ${consumer} to replay`, {
    consumer,
    dryRun: false,
    from,
    topics: plan.topics,
    total: plan.total,
  });
}

export async function releaseCommand(consumer: string, options: { key?: string; dryRun?: boolean }, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  const { key } = options;
  await withDatabase(hub(), async (db) => {
    const held = await requireConsumer(consumer, hub(), db);
    if (key === undefined) {
      const lines = held.map(
        (each) => `${consumer}: key ${each.messageKey} held since ${each.heldSince.toISOString()} by ${each.heldBy}; ${each.parked} event(s) parked behind it`,
      );
      out.result(lines.length > 0 ? lines.join("\n") : `${consumer}: no key is held`, { consumer, heldKeys: held });
      return;
    }
    const hold = held.find((each) => each.messageKey === key);
    if (!hold)
      throw new CliError(`${consumer} holds no key ${JSON.stringify(key)}: nothing waits there`, `list the keys it holds: hooklog release ${consumer}`);
    if (options.dryRun) {
      const follows =
        hold.parked === 0
          ? "no event is parked behind it: a release would only drop the hold"
          : `a release would send the oldest of its ${hold.parked} parked event(s) to ${retryTopic(consumer, 1)}, the others following in order`;
      out.result(`${consumer}: key ${key} is held by ${hold.heldBy} since ${hold.heldSince.toISOString()}; ${follows}. Dry run: nothing changed.`, {
        consumer,
        dryRun: true,
        messageKey: key,
        heldBy: hold.heldBy,
        heldSince: hold.heldSince,
        parked: hold.parked,
      });
      return;
    }
    const result = await release(consumer, { kafkaBrokers: hub().kafkaBrokers, db, messageKey: key });
    out.result(`${consumer}: key ${key} no longer waits for ${result.gaveUpOn}; ${result.parked} parked event(s) will be applied in order`, {
      consumer,
      dryRun: false,
      messageKey: key,
      ...result,
    });
  });
}

/** Runs `work` with the hub's database; Postgres or Kafka out of reach becomes a two-line error saying which. */
async function withDatabase<T>(hub: Hub, work: (db: Knex) => Promise<T>): Promise<T> {
  const db = openDatabase(hub);
  try {
    return await query(hub, () => work(db));
  } catch (error) {
    throw kafkaFailure(hub, error);
  } finally {
    await db.destroy();
  }
}

/** Kafka answers a topic it lacks with an error about partitions; a typo in --topics is better named. */
async function requireTopics(hub: Hub, topics: readonly string[]): Promise<void> {
  const admin = await connectAdmin(hub, openKafka(hub));
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0)
      throw new UsageError(
        `Kafka has no topic ${missing.join(", ")}`,
        "name topics the consumer reads, or leave out --topics to rewind those it has committed offsets on",
      );
  } finally {
    await admin.disconnect();
  }
}

/**
 * The consumer's held keys, once it is known to exist: Kafka has its group, or Postgres a key it
 * holds. Otherwise the name is a typo more often than not, so say which consumers there are.
 */
async function requireConsumer(consumer: string, hub: Hub, db: Knex): Promise<HeldKey[]> {
  const names = await consumerNames({ kafkaBrokers: hub.kafkaBrokers });
  const held = await heldKeysIfAny(consumer, db);
  if (names.includes(consumer) || held.length > 0) return held;
  throw new CliError(
    `there is no consumer ${JSON.stringify(consumer)}: Kafka has no group ${groupId(consumer)} and it holds no key`,
    names.length > 0 ? `use one of: ${names.join(", ")}` : "no consumer has run on this Kafka yet: start the hub (npm start)",
  );
}

async function heldKeysIfAny(consumer: string, db: Knex): Promise<HeldKey[]> {
  try {
    return await heldKeys(consumer, { db });
  } catch (error) {
    // 42P01, no such table: no consumer has run on this database yet, so none holds a key.
    if ((error as { code?: unknown }).code === "42P01") return [];
    throw error;
  }
}

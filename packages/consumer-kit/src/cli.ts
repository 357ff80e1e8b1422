// npm run redrive -- <consumer> [--event <event key>]
// npm run replay -- <consumer> (--from-beginning | --since <2h | 30m | 2026-11-28T10:00:00Z>) [--topics a,b]
// npm run release -- <consumer> [--key <message key>]
import { parseSince } from "@hooklog/core";
import { loadConfig } from "@hooklog/config";
import { connectDatabase } from "@hooklog/db";
import { createKafka } from "@hooklog/kafka";
import { heldKeys, redrive, release, replay } from "./commands.ts";
import { groupId } from "./topology.ts";

const USAGE =
  "usage: redrive <consumer> [--event <key>] | replay <consumer> (--from-beginning | --since <2h|30m|ISO time>) [--topics a,b] | release <consumer> [--key <message key>]";

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function subscribedTopics(brokers: readonly string[], consumer: string): Promise<string[]> {
  const admin = createKafka({ clientId: "hooklog-replay", brokers }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: groupId(consumer) });
    return offsets.map((entry) => entry.topic).filter((topic) => !topic.startsWith(`${consumer}.retry.`));
  } finally {
    await admin.disconnect();
  }
}

async function main(args: string[]): Promise<void> {
  const [command, consumer] = args;
  if (!consumer || (command !== "redrive" && command !== "replay" && command !== "release")) throw new Error(USAGE);
  const config = loadConfig("consumer-kit", {});
  if (command === "release") {
    const db = connectDatabase(config.DATABASE_URL);
    try {
      const messageKey = option(args, "--key");
      if (messageKey === undefined) {
        const held = await heldKeys(consumer, { db });
        if (held.length === 0) console.log(`${consumer}: no key is held`);
        for (const key of held)
          console.log(`${consumer}: key ${key.messageKey} held since ${key.heldSince.toISOString()} by ${key.heldBy}; ${key.parked} event(s) parked behind it`);
        return;
      }
      const result = await release(consumer, { kafkaBrokers: config.KAFKA_BROKERS, db, messageKey });
      console.log(`${consumer}: key ${messageKey} no longer waits for ${result.gaveUpOn}; ${result.parked} parked event(s) will be applied in order`);
    } finally {
      await db.destroy();
    }
    return;
  }
  if (command === "redrive") {
    const db = connectDatabase(config.DATABASE_URL);
    try {
      const eventKey = option(args, "--event");
      const result = await redrive(consumer, { kafkaBrokers: config.KAFKA_BROKERS, db, ...(eventKey ? { eventKey } : {}) });
      console.log(`${consumer}: ${result.inDeadLetters} dead letter(s); redriven ${result.redriven}; already processed since ${result.alreadyProcessed}`);
    } finally {
      await db.destroy();
    }
    return;
  }
  const since = option(args, "--since");
  if (!since && !args.includes("--from-beginning")) throw new Error(USAGE);
  const topics = option(args, "--topics")?.split(",") ?? (await subscribedTopics(config.KAFKA_BROKERS, consumer));
  if (topics.length === 0) throw new Error(`${consumer} has committed no offsets yet: name its topics with --topics`);
  const from = since === undefined ? undefined : parseSince(since);
  await replay(consumer, { kafkaBrokers: config.KAFKA_BROKERS, topics, ...(from ? { since: from } : {}) });
  console.log(`${consumer}: rewound ${topics.join(", ")} to ${from ? from.toISOString() : "the beginning"}; start the service to replay`);
}

if (import.meta.main) {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    console.error(`hooklog: ${(error as Error).message}`);
    if (/active|rebalanc|not empty|UNKNOWN_MEMBER|REBALANCE/i.test(String((error as Error).message))) {
      console.error("hooklog: stop every instance of the consumer first: Kafka moves a group's offsets only while it has no members.");
    }
    process.exitCode = 1;
  }
}

// A redrive whose database fails under it must stop and say so, not read its dead letters again and
// again; and whatever its outcome, it leaves no consumer group of its own behind.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase } from "@hooklog/db";
import { createKafka, ensureTopics, type Admin } from "@hooklog/kafka";
import { freePort, testStack, uniqueName } from "@hooklog/testkit";
import { HEADERS, deadLetterTopic, groupId, redrive } from "../src/index.ts";

describe("redrive when Postgres fails mid-read", () => {
  const consumer = uniqueName("kit-redrive-fails");
  let brokers: string[];
  let admin: Admin;

  before(async () => {
    const stack = await testStack();
    brokers = stack.kafkaBrokers.split(",");
    const kafka = createKafka({ clientId: "kit-redrive-fails-test", brokers });
    await ensureTopics(kafka, [{ name: deadLetterTopic(consumer), partitions: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic(consumer),
      messages: [{ key: "k", value: "v", headers: { [HEADERS.eventKey]: "src:evt_1", [HEADERS.attempt]: "5" } }],
    });
    await producer.disconnect();
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    await admin?.disconnect();
  });

  it("rejects with the database's error within a bounded time and deletes its reader group", async () => {
    const db = connectDatabase(`postgres://postgres:postgres@127.0.0.1:${await freePort()}/hooklog`, { poolMax: 1 });
    try {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("redrive still running after 60 s")), 60_000);
      });

      await assert.rejects(Promise.race([redrive(consumer, { kafkaBrokers: brokers, db }), gaveUp]), (error: Error) => {
        assert.match(String((error as { code?: unknown }).code ?? error.message), /ECONNREFUSED/, error.stack);
        return true;
      });
      clearTimeout(timer);

      const { groups } = await admin.listGroups();
      assert.deepEqual(
        groups.map((group) => group.groupId).filter((id) => id.startsWith(`${groupId(consumer)}.redrive.`)),
        [],
      );
    } finally {
      await db.destroy();
    }
  });
});

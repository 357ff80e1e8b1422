// What one call of each client on ingest's path costs this process in CPU: a kafkajs sendBatch through
// the idempotent producer (fixed part, and per message), and the dedup ledger's prepared lookup.
// Printed by bench:ingest so that its batch figures can be read against them.
import { connectDatabase } from "@hooklog/db";
import { EventLogWriter } from "@hooklog/event-log";
import { createIdempotentProducer, type Kafka } from "@hooklog/kafka";

export interface ClientCosts {
  sendOneMicros: number;
  sendThirtyMicros: number;
  lookupMicros: number;
}

/** Mean CPU microseconds per call of `call`, over `calls` sequential calls after a warm-up. */
async function cpuPerCall(calls: number, call: (index: number) => Promise<unknown>): Promise<number> {
  for (let index = 0; index < 100; index += 1) await call(index);
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index += 1) await call(index);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export async function measureClientCosts(kafka: Kafka, topic: string, databaseUrl: string): Promise<ClientCosts> {
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const db = connectDatabase(databaseUrl, { applicationName: "hooklog-bench", poolMax: 2, synchronousCommit: false });
  try {
    const value = Buffer.alloc(1200, 120);
    const message = (key: string) => ({ key, value, headers: { "hooklog-event-id": key, "hooklog-event-type": "invoice.paid" } });
    const sendOneMicros = await cpuPerCall(500, (index) => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [message(`one-${index}`)] }] }));
    const sendThirtyMicros = await cpuPerCall(150, (index) =>
      producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: Array.from({ length: 30 }, (_, item) => message(`thirty-${index}-${item}`)) }] }),
    );
    // The writer's own lookup, as a batch of three fresh ids makes it.
    const ledger = new EventLogWriter({ db, producer, retentionHours: 168, maxBatch: 500, onLedgerError: () => undefined });
    const lookupMicros = await cpuPerCall(1000, (index) => ledger.findAccepted("bench", [`a${index}`, `b${index}`, `c${index}`]));
    return { sendOneMicros, sendThirtyMicros, lookupMicros };
  } finally {
    await producer.disconnect();
    await db.destroy();
  }
}

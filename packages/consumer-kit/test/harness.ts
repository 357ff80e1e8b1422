import { randomUUID } from "node:crypto";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import {
  MAX_SOURCE_BODY_BYTES,
  SchemaRegistryClient,
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  webhookTopicSpec,
  type LogProducer,
} from "@hooklog/kafka";
import { createLogger } from "@hooklog/logging";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { startTelemetry } from "@hooklog/telemetry";
import { testStack, uniqueName } from "@hooklog/testkit";
import { consumerKitMigrations } from "../src/migrations/index.ts";

export interface KitHarness {
  brokers: string[];
  registryUrl: string;
  db: Knex;
  topic: string;
  source: string;
  /** A table of this test run where handlers record their effects. */
  effects: string;
  logger: ReturnType<typeof createLogger>;
  /** One send; each message keyed by its providerEventId, or all by `key` (so they share a partition and a batch). */
  publish(events: ReadonlyArray<Partial<WebhookEvent> & { providerEventId: string }>, options?: { key?: string }): Promise<void>;
  /** Sets a topic's own configs, as an operator would (Kafka's AlterConfigs: those not given return to the defaults). */
  alterTopic(topic: string, configs: Record<string, string>): Promise<void>;
  effectRows(): Promise<Array<{ event_key: string; attempt: number }>>;
  close(): Promise<void>;
}

/** A fresh topic, source name and effects table per test file, on the real stack. */
export async function kitHarness(): Promise<KitHarness> {
  // A real tracer provider, as services get from the register hook, so spans and their context exist.
  startTelemetry({ serviceName: "kit-test", serviceVersion: "0", otlpEndpoint: undefined, traceFile: undefined });
  const stack = await testStack();
  const brokers = stack.kafkaBrokers.split(",");
  const db = connectDatabase(stack.databaseUrl);
  await migrateLatest(db, [consumerKitMigrations]);
  const topic = uniqueName("webhooks.kit");
  const source = uniqueName("kit-source");
  const effects = uniqueName("kit_effects").replaceAll("-", "_");
  await db.schema.createTable(effects, (table) => {
    table.text("event_key").notNullable();
    table.integer("attempt").notNullable();
  });
  const kafka = createKafka({ clientId: "kit-test", brokers });
  // As `npm start` declares a source's topic, for the largest body a source may accept.
  await ensureTopics(kafka, [webhookTopicSpec({ topic, partitions: 3, maxBodyBytes: MAX_SOURCE_BODY_BYTES })]);
  const codec = await webhookEventCodec(new SchemaRegistryClient(stack.schemaRegistryUrl), topic);
  const producer: LogProducer = createIdempotentProducer(kafka);
  await producer.connect();

  return {
    brokers,
    registryUrl: stack.schemaRegistryUrl,
    db,
    topic,
    source,
    effects,
    logger: createLogger({ service: "kit-test", level: "silent" }),
    async publish(events, options = {}) {
      const messages = await Promise.all(
        events.map(async (partial) => {
          const event: WebhookEvent = {
            id: randomUUID(),
            source,
            provider: "stripe",
            type: "invoice.paid",
            providerTimestamp: null,
            receivedAt: Date.now(),
            origin: "webhook",
            verification: { scheme: "stripe-v1", secretIndex: 0 },
            contentType: "application/json",
            headers: {},
            payload: Buffer.from(JSON.stringify({ id: partial.providerEventId })),
            ...partial,
          };
          return { key: options.key ?? event.providerEventId, value: await codec.encode(event) };
        }),
      );
      await producer.send({ topic, acks: -1, messages });
    },
    effectRows: () => db(effects).select("event_key", "attempt").orderBy("event_key") as Promise<Array<{ event_key: string; attempt: number }>>,
    async alterTopic(name, configs) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: 2 /* TOPIC */, name, configEntries: Object.entries(configs).map(([configName, value]) => ({ name: configName, value })) }],
        });
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      await producer.disconnect();
      await db.schema.dropTableIfExists(effects);
      await db.destroy();
    },
  };
}

// The catalog's projection rate: envelopes written to a source topic as ingest writes them, then the
// catalog's own consumer (the kit's runtime, as its main.ts runs it) reading them from the beginning,
// timed from its first row to its last.
import { randomUUID } from "node:crypto";
import { startConsumer } from "@hooklog/consumer-kit";
import type { Knex } from "@hooklog/db";
import { SchemaRegistryClient, createIdempotentProducer, createKafka } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
// A bench may run another service's code as that service runs it: the catalog's consumer is what is measured.
import { catalogConsumer } from "../../catalog/src/catalog-consumer.ts";
import { stripeEvent } from "./stripe-payloads.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface Stack {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
}

/** Writes `count` envelopes of source `source` to `topic` through the registry codec; returns their mean payload size. */
export async function publishEnvelopes(
  stack: Stack,
  topic: string,
  source: string,
  runId: string,
  count: number,
  progress: (written: number) => void,
): Promise<number> {
  const kafka = createKafka({ clientId: "bench-console", brokers: stack.kafkaBrokers });
  const codec = await webhookEventCodec(new SchemaRegistryClient(stack.schemaRegistryUrl), topic);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  let bytes = 0;
  try {
    for (let start = 0; start < count; start += 1000) {
      const messages = await Promise.all(
        Array.from({ length: Math.min(1000, count - start) }, async (_, index) => {
          const { providerEventId, type, customer, body } = stripeEvent(runId, start + index);
          const payload = Buffer.from(body);
          bytes += payload.length;
          const event: WebhookEvent = {
            id: randomUUID(),
            source,
            provider: "stripe",
            providerEventId,
            type,
            providerTimestamp: Date.now() - 1000,
            receivedAt: Date.now(),
            origin: "webhook",
            verification: { scheme: "stripe-v1", secretIndex: 0 },
            contentType: "application/json",
            headers: { "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)", "content-type": "application/json; charset=utf-8" },
            payload,
          };
          // Keyed by the entity, as a source keyed by customer would be.
          return { key: customer, value: await codec.encode(event) };
        }),
      );
      await producer.send({ topic, acks: -1, messages });
      progress(start + messages.length);
    }
  } finally {
    await producer.disconnect();
  }
  return bytes / count;
}

async function cataloged(db: Knex, source: string): Promise<number> {
  return Number(((await db("catalog_events").where({ source }).count("* as n")) as Array<{ n: string }>)[0]?.n ?? 0);
}

/** Events per second between the catalog's first commit and its `count`th row (the group's join excluded). */
export async function measureProjection(options: {
  stack: Stack;
  db: Knex;
  logger: Logger;
  consumerName: string;
  topic: string;
  deliveriesTopic: string;
  source: string;
  count: number;
  timeoutMs: number;
}): Promise<number> {
  const { db, source, count } = options;
  const running = await startConsumer(
    catalogConsumer({
      consumerName: options.consumerName,
      sourceTopics: [options.topic],
      deliveriesTopic: options.deliveriesTopic,
      payloadRetentionMs: 30 * DAY_MS,
    }),
    { kafkaBrokers: options.stack.kafkaBrokers, schemaRegistryUrl: options.stack.schemaRegistryUrl, db, logger: options.logger },
  );
  try {
    const deadline = Date.now() + options.timeoutMs;
    // The rows of the first commit are not counted: their time was spent before the clock started.
    let first: { at: number; rows: number } | undefined;
    for (;;) {
      const rows = await cataloged(db, source);
      if (rows > 0 && first === undefined) first = { at: performance.now(), rows };
      if (rows >= count && first) {
        if (rows === first.rows) throw new Error(`all ${count} events arrived in the catalog's first commit: too few to time; raise BENCH_CATALOG_EVENTS`);
        return ((rows - first.rows) / (performance.now() - first.at)) * 1000;
      }
      if (Date.now() > deadline) throw new Error(`the catalog consumer projected ${rows} of ${count} events in ${options.timeoutMs / 1000} s; is it stuck?`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await running.stop();
  }
}

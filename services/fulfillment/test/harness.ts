// The one way these tests run fulfillment: ingest and fulfillment as processes on the real stack,
// with a Stripe source, topics and consumer name of this run, so no other test shares their state.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupId } from "@hooklog/consumer-kit";
import { connectDatabase, type Knex } from "@hooklog/db";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import { consumerCaughtUp, eventually, readTopic, startServiceProcess, testStack, uniqueName, type ReadMessage, type ServiceProcess } from "@hooklog/testkit";
import Stripe from "stripe";

const token = (): string => randomBytes(8).toString("hex");

export interface StripeEvent {
  id: string;
  type: string;
  body: string;
}

/** A Stripe event as Stripe sends it: `data.object` is the invoice, PaymentIntent, session or charge. */
export function stripeEvent(type: string, object: Record<string, unknown>, apiVersion = "2024-06-20"): StripeEvent {
  const id = `evt_${token()}`;
  const event = { id, object: "event", api_version: apiVersion, created: Math.floor(Date.now() / 1000), type, livemode: false, data: { object } };
  return { id, type, body: JSON.stringify(event, null, 2) };
}

/** A fresh order: the PaymentIntent id every payment event of it refers to. */
export function newOrder(): { orderId: string; invoiceId: string; sessionId: string; chargeId: string } {
  const suffix = token();
  return { orderId: `pi_${suffix}`, invoiceId: `in_${suffix}`, sessionId: `cs_test_${suffix}`, chargeId: `ch_${suffix}` };
}

export interface TaskRow {
  task_id: string;
  order_id: string;
  status: string;
  amount: string | null;
  currency: string | null;
  /** Null while the order's only event is a refund that came before its payment. */
  created_by_event: string | null;
  cancelled_reason: string | null;
  /** Stripe's time of the payment and of the refund (the events' `created`). */
  paid_at: Date | null;
  refunded_at: Date | null;
}

export interface DomainEvent {
  key: string | undefined;
  value: Record<string, unknown>;
}

export interface FulfillmentHarness {
  /** The Stripe source as ingest knows it. */
  source: string;
  /** The consumer name, so tests can see what it has processed. */
  consumer: string;
  db: Knex;
  /** Signs the event with the source's secret and POSTs it to ingest; returns the HTTP status. */
  deliver(event: StripeEvent): Promise<number>;
  /** Writes the Stripe topic's messages keyed by one of `keys` (object ids) to it again, byte for byte, as a retrying producer would. */
  duplicateTopicMessages(keys: readonly string[]): Promise<number>;
  tasksOf(orderId: string): Promise<TaskRow[]>;
  /** The topic fulfillment publishes `record` (e.g. fulfillment.TaskCreated) to in this run. */
  domainTopic(record: string): string;
  /** Every event on the domain topic of `record`, decoded, as far as the topic holds as the read begins. */
  domainEvents(record: string): Promise<DomainEvent[]>;
  /**
   * Every `record` fulfillment published about `taskId`: read to the end of its topic once fulfillment
   * has committed all it was sent and relayed each outbox row about the task. A handler writes what it
   * emits to the outbox in its own transaction, so no row about the task means nothing was emitted.
   */
  publishedAbout(record: string, taskId: string): Promise<DomainEvent[]>;
  /** Every message in fulfillment's dead-letter topic, as far as it holds as the read begins. */
  deadLetters(): Promise<ReadMessage[]>;
  /** A counter of fulfillment's GET /metrics, e.g. hooklog_consumer_retries_total (0 before the first increment). */
  metric(name: string): Promise<number>;
  /** Resolves once fulfillment has committed the Stripe event `providerEventId`. */
  processed(providerEventId: string): Promise<void>;
  /** Resolves once fulfillment has committed every message of its topic and retry topics: all it was sent, it has handled. */
  caughtUp(): Promise<void>;
  /** testkit's `eventually`, with the services' output in its timeout error. */
  eventually: typeof eventually;
  /** Stops fulfillment, runs `whileStopped` (e.g. a replay), and starts it again with the same settings. */
  restartFulfillment(whileStopped: (topic: string) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Short retries, so a test sees an event through all its attempts in seconds. */
export const RETRY_BASE_DELAY_MS = 200;

export async function startFulfillment(): Promise<FulfillmentHarness> {
  const stack = await testStack();
  const source = `stripe-${token()}`;
  const topic = uniqueName("webhooks.stripe");
  const topicPrefix = `${uniqueName("test")}.`;
  const consumer = uniqueName("fulfillment");
  const secret = `whsec_${randomBytes(16).toString("hex")}`;
  const common = { KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl };

  const directory = await mkdtemp(join(tmpdir(), "hooklog-fulfillment-test-"));
  const configPath = join(directory, "hooklog.config.yaml");
  // YAML is a superset of JSON.
  await writeFile(configPath, JSON.stringify({ sources: { [source]: { provider: "stripe", topic, partitions: 3 } } }));
  const kafka = createKafka({ clientId: "fulfillment-test", brokers: stack.kafkaBrokers.split(",") });
  await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);

  const domainTopic = (record: string): string => `${topicPrefix}${record}`;
  const processes: ServiceProcess[] = [];
  const fulfillmentEnv = {
    ...common,
    FULFILLMENT_CONSUMER_NAME: consumer,
    FULFILLMENT_STRIPE_TOPIC: topic,
    FULFILLMENT_TASKS_TOPIC_PREFIX: topicPrefix,
    FULFILLMENT_RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
  };
  const db = connectDatabase(stack.databaseUrl, { applicationName: "fulfillment-test" });
  const registry = new SchemaRegistryClient(stack.schemaRegistryUrl);
  const serviceOutput = (): string => `service output:\n${processes.map((service) => service.output().slice(-4000)).join("\n")}`;
  const eventuallyWithOutput: typeof eventually = (what, check, options) => eventually(what, check, { context: serviceOutput, ...options });

  try {
    processes.push(await startServiceProcess("ingest", { ...common, HOOKLOG_CONFIG: configPath, [secretEnvVar(source)]: secret }, "INGEST_PORT"));
    processes.push(await startServiceProcess("fulfillment", fulfillmentEnv, "FULFILLMENT_PORT"));
  } catch (error) {
    await Promise.all(processes.map((service) => service.stop()));
    await db.destroy();
    throw error;
  }
  const domainEvents = async (record: string): Promise<DomainEvent[]> => {
    const messages = await readTopic(stack.kafkaBrokers, domainTopic(record), { toEnd: true });
    return Promise.all(
      messages.map(async (message) => ({
        key: message.key?.toString("utf8"),
        // avsc decodes into a class per record; a plain copy compares by its fields alone.
        value: { ...((await registry.decode(message.value as Buffer)) as Record<string, unknown>) },
      })),
    );
  };
  const caughtUp = async (): Promise<void> => {
    await eventuallyWithOutput("fulfillment to have committed every message and retry", () => consumerCaughtUp(stack.kafkaBrokers, groupId(consumer)));
  };
  const ingest = processes[0] as ServiceProcess;
  let fulfillment = processes[1] as ServiceProcess;

  return {
    source,
    consumer,
    db,
    async deliver(event) {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: event.body, secret });
      const response = await fetch(`${ingest.url}/webhooks/${source}`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signature },
        body: event.body,
      });
      await response.body?.cancel();
      return response.status;
    },
    async duplicateTopicMessages(keys) {
      // Ingest answers a delivery once Kafka has acknowledged it: the topic holds every event delivered so far.
      const messages = (await readTopic(stack.kafkaBrokers, topic, { toEnd: true })).filter((message) => keys.includes(message.key?.toString("utf8") ?? ""));
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: messages.map(({ key, value, headers }) => ({ key, value, headers })) });
      } finally {
        await producer.disconnect();
      }
      return messages.length;
    },
    tasksOf: (orderId) => db("fulfillment_tasks").where({ order_id: orderId }).select<TaskRow[]>("*"),
    domainTopic,
    domainEvents,
    async publishedAbout(record, taskId) {
      await caughtUp();
      // An outbox row is keyed by its event's id, which names the task (`task-created:<taskId>`).
      const unsent = () =>
        db("outbox")
          .where({ topic: domainTopic(record) })
          .andWhere("message_key", "like", `%:${taskId}`)
          .whereNull("sent_at")
          .first();
      await eventuallyWithOutput(`the ${record} outbox rows about ${taskId} relayed`, async () => (await unsent()) === undefined);
      return (await domainEvents(record)).filter((event) => event.value.taskId === taskId);
    },
    deadLetters: () => readTopic(stack.kafkaBrokers, `${consumer}.dlq`, { toEnd: true }),
    async metric(name) {
      const text = await (await fetch(`${fulfillment.url}/metrics`)).text();
      const line = text.split("\n").find((entry) => entry.startsWith(`${name}{`) && entry.includes(`consumer="${consumer}"`));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    },
    async processed(providerEventId) {
      const eventKey = `${source}:${providerEventId}`;
      await eventuallyWithOutput(`processing of ${eventKey}`, async () =>
        Boolean(await db("processed_events").where({ consumer, event_key: eventKey }).first()),
      );
    },
    caughtUp,
    eventually: eventuallyWithOutput,
    async restartFulfillment(whileStopped) {
      await fulfillment.stop();
      await whileStopped(topic);
      fulfillment = await startServiceProcess("fulfillment", fulfillmentEnv, "FULFILLMENT_PORT");
      processes[1] = fulfillment;
    },
    async stop() {
      await Promise.all(processes.map((service) => service.stop()));
      await db.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from "node:crypto";
import { KEEP_FOREVER, MAX_RECORD_BYTES, ensureTopics, type Kafka } from "@hooklog/kafka";
import type { ConsumerDefinition } from "./definition.ts";

export const WEBHOOK_EVENT_RECORD = "hooklog.WebhookEvent";

export const groupId = (consumer: string): string => `hooklog.${consumer}`;

/**
 * A group of its own for one short-lived read of the log (a redrive, a resend, the console's read of
 * a payload): `<prefix>.<16 hex>`. Random, not a clock: two reads started in the same millisecond
 * would join one group, split its partitions, and the first to finish would delete the other's group.
 */
export const readerGroupId = (prefix: string): string => `${prefix}.${randomBytes(8).toString("hex")}`;

/** The readers of a redrive or a resend (readerGroupId), and those an earlier version named by the millisecond: none is a consumer. */
export const isReaderGroup = (id: string): boolean => /\.(redrive|resend)\.([0-9a-f]{16}|\d+)$/.test(id);
export const retryTopic = (consumer: string, level: number): string => `${consumer}.retry.${level}`;
export const deadLetterTopic = (consumer: string): string => `${consumer}.dlq`;
/** Domain records go to the topic named after the record, so the topic-name subject strategy holds one schema per topic. */
export const domainTopic = (record: string): string => record;

export function maxAttempts(definition: ConsumerDefinition): number {
  return definition.maxAttempts ?? 5;
}

/**
 * Retry level n holds attempt n+1: level 1 is the second attempt, the last level the final one. Level 1
 * exists even with one attempt: redrive and release send through it.
 */
export function retryTopics(definition: ConsumerDefinition): string[] {
  return Array.from({ length: Math.max(1, maxAttempts(definition) - 1) }, (_, index) => retryTopic(definition.name, index + 1));
}

/** A domain record the consumer emits and the topic it goes to. */
export interface EmittedRecord {
  record: string;
  topic: string;
}

export function emittedRecords(definition: ConsumerDefinition): EmittedRecord[] {
  return (definition.emits ?? []).map((entry) => (typeof entry === "string" ? { record: entry, topic: domainTopic(entry) } : entry));
}

/** Every topic the consumer's group member reads: its subscriptions and its retry levels. */
export function subscribedTopics(definition: ConsumerDefinition): string[] {
  return [...definition.subscriptions.map((subscription) => subscription.topic), ...retryTopics(definition)];
}

// Retries and dead letters carry copies of any subscribed event, the largest included.
const LARGEST = { "max.message.bytes": String(MAX_RECORD_BYTES) };
const RETRY_CONFIGS = { "retention.ms": String(14 * 24 * 3600 * 1000), ...LARGEST };

/**
 * Declares the topics the consumer owns (retry levels, dead letters, the domain topics it emits to)
 * and the domain topics it reads. Webhook topics are the sources', declared by `npm start` or the
 * deployment: a missing one is an error, not something to create.
 */
export async function declareTopics(kafka: Kafka, definition: ConsumerDefinition): Promise<void> {
  // Domain topics this consumer reads may not exist yet (their producer has not started): declare them.
  const domainSubscriptions = definition.subscriptions.filter((subscription) => (subscription.record ?? WEBHOOK_EVENT_RECORD) !== WEBHOOK_EVENT_RECORD);
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();
  const missing = definition.subscriptions.filter((subscription) => !existing.has(subscription.topic) && !domainSubscriptions.includes(subscription));
  if (missing.length > 0) {
    throw new Error(
      `consumer ${definition.name}: topic(s) ${missing.map((subscription) => subscription.topic).join(", ")} do not exist. Declare the source in hooklog.config.yaml and run npm start (or create the topic).`,
    );
  }
  await ensureTopics(kafka, [
    ...domainSubscriptions.map((subscription) => ({ name: subscription.topic, partitions: 6, configs: KEEP_FOREVER })),
    ...retryTopics(definition).map((name) => ({ name, partitions: 3, configs: RETRY_CONFIGS })),
    { name: deadLetterTopic(definition.name), partitions: 1, configs: { ...KEEP_FOREVER, ...LARGEST } },
    ...emittedRecords(definition).map(({ topic }) => ({ name: topic, partitions: 6, configs: KEEP_FOREVER })),
  ]);
}

/** Exponential backoff with ±20 % jitter, so retries of many events do not arrive together. */
export function retryDelayMs(definition: ConsumerDefinition, attemptThatFailed: number, random: () => number = Math.random): number {
  const base = (definition.retryBaseDelayMs ?? 1000) * 2 ** (attemptThatFailed - 1);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Headers the kit writes on retried and dead-lettered messages. */
export const HEADERS = {
  attempt: "hooklog-attempt",
  dueAt: "hooklog-due-at",
  firstFailureAt: "hooklog-first-failure-at",
  error: "hooklog-error",
  originalTopic: "hooklog-original-topic",
  originalPartition: "hooklog-original-partition",
  originalOffset: "hooklog-original-offset",
  eventKey: "hooklog-event-key",
  /** On a domain event: the hub event id of the webhook its chain of causes began with. */
  rootEventId: "hooklog-root-event-id",
} as const;

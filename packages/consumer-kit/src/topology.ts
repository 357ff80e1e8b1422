import type { ConsumerDefinition } from "./definition.ts";

export const WEBHOOK_EVENT_RECORD = "hooklog.WebhookEvent";

export const groupId = (consumer: string): string => `hooklog.${consumer}`;
export const retryTopic = (consumer: string, level: number): string => `${consumer}.retry.${level}`;
export const deadLetterTopic = (consumer: string): string => `${consumer}.dlq`;
/** Domain records go to the topic named after the record, so the topic-name subject strategy holds one schema per topic. */
export const domainTopic = (record: string): string => record;

export function maxAttempts(definition: ConsumerDefinition): number {
  return definition.maxAttempts ?? 5;
}

/** Retry level n holds attempt n+1: level 1 is the second attempt, the last level the final one. */
export function retryTopics(definition: ConsumerDefinition): string[] {
  return Array.from({ length: maxAttempts(definition) - 1 }, (_, index) => retryTopic(definition.name, index + 1));
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
} as const;

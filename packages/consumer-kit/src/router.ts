import { isRetryable } from "@hooklog/core";
import { type LogProducer, plainHeaders } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { RetryLaterError, type ConsumerDefinition } from "./definition.ts";
import { UndecodableMessageError } from "./decode.ts";
import type { RoutableMessage } from "./key-order.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { HEADERS, deadLetterTopic, maxAttempts, retryDelayMs, retryTopic, retryTopics } from "./topology.ts";

/** Where a failed attempt goes next: decided once, then both recorded (event-states.ts) and routed, so the two never disagree. */
export type NextStep =
  | { dead: false; topic: string; dueAt: number; nextAttempt: number }
  | { dead: true; topic: string; reason: "undecodable" | "not_retryable" | "attempts_exhausted" };

/**
 * The retry-or-dead-letter decision for an attempt that failed at `now`. Pure but for the jitter of
 * the delay (`random`): decide once and hand the step on, never decide again.
 */
export function nextStep(definition: ConsumerDefinition, attemptThatFailed: number, error: Error, now: number, random: () => number = Math.random): NextStep {
  // A HooklogError says whether it can be retried: `retryable: false` goes to the dead letters at once.
  if (error instanceof UndecodableMessageError) return { dead: true, topic: deadLetterTopic(definition.name), reason: "undecodable" };
  if (!isRetryable(error)) return { dead: true, topic: deadLetterTopic(definition.name), reason: "not_retryable" };
  const levels = retryTopics(definition).length;
  if (error instanceof RetryLaterError && !error.countsAsAttempt) {
    // Not tried: the attempt is made again later under its own number, from the level it came from.
    const level = Math.max(1, Math.min(attemptThatFailed - 1, levels));
    return { dead: false, topic: retryTopic(definition.name, level), dueAt: now + error.retryAfterMs, nextAttempt: attemptThatFailed };
  }
  if (attemptThatFailed >= maxAttempts(definition)) return { dead: true, topic: deadLetterTopic(definition.name), reason: "attempts_exhausted" };
  const delay = Math.max(retryDelayMs(definition, attemptThatFailed, random), error instanceof RetryLaterError ? error.retryAfterMs : 0);
  return { dead: false, topic: retryTopic(definition.name, Math.min(attemptThatFailed, levels)), dueAt: now + delay, nextAttempt: attemptThatFailed + 1 };
}

/** Sends a message whose attempt failed on to where `step` says: its next retry level, or the dead letters. */
export type Route = (
  message: RoutableMessage,
  sourceTopic: string,
  partition: number,
  attemptThatFailed: number,
  error: Error,
  eventKey: string,
  step: NextStep,
) => Promise<void>;

/**
 * The retry and dead-letter router. A retry carries its due time and the message's first position
 * in headers, so the retry partition waits for it and a dead letter says where it came from.
 */
export function createRouter(deps: { definition: ConsumerDefinition; producer: LogProducer; metrics: ConsumerMetrics; logger: Logger }): Route {
  const { definition, producer, metrics, logger } = deps;
  return async function route(message, sourceTopic, partition, attemptThatFailed, error, eventKey, step) {
    const headers = plainHeaders(message.headers);
    const common = {
      ...headers,
      [HEADERS.attempt]: String(step.dead ? attemptThatFailed : step.nextAttempt),
      [HEADERS.error]: error.message.slice(0, 1000),
      [HEADERS.firstFailureAt]: headers[HEADERS.firstFailureAt] ?? new Date().toISOString(),
      [HEADERS.originalTopic]: headers[HEADERS.originalTopic] ?? sourceTopic,
      [HEADERS.originalPartition]: headers[HEADERS.originalPartition] ?? String(partition),
      [HEADERS.originalOffset]: headers[HEADERS.originalOffset] ?? message.offset,
      [HEADERS.eventKey]: eventKey,
    };
    const outgoing = step.dead ? common : { ...common, [HEADERS.dueAt]: String(step.dueAt) };
    await producer.send({ topic: step.topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: outgoing }] });
    if (step.dead) metrics.deadLetters.inc({ consumer: definition.name, reason: step.reason });
    else metrics.retries.inc({ consumer: definition.name });
    logger.warn(
      { consumer: definition.name, eventKey, attempt: attemptThatFailed, to: step.topic },
      step.dead ? "event dead-lettered" : "event scheduled for retry",
    );
  };
}

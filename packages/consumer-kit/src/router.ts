import { isRetryable } from "@hooklog/core";
import { type LogProducer, plainHeaders } from "@hooklog/kafka";
import type { Logger } from "@hooklog/logging";
import { RetryLaterError, type ConsumerDefinition } from "./definition.ts";
import { UndecodableMessageError } from "./decode.ts";
import type { RoutableMessage } from "./key-order.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { HEADERS, deadLetterTopic, maxAttempts, retryDelayMs, retryTopic, retryTopics } from "./topology.ts";

/** Sends a message whose attempt failed on to its next retry level, or to the dead letters. */
export type Route = (
  message: RoutableMessage,
  sourceTopic: string,
  partition: number,
  attemptThatFailed: number,
  error: Error,
  eventKey: string,
) => Promise<void>;

/**
 * The retry and dead-letter router. A retry carries its due time and the message's first position
 * in headers, so the retry partition waits for it and a dead letter says where it came from.
 */
export function createRouter(deps: { definition: ConsumerDefinition; producer: LogProducer; metrics: ConsumerMetrics; logger: Logger }): Route {
  const { definition, producer, metrics, logger } = deps;
  const levels = retryTopics(definition).length;
  return async function route(message, sourceTopic, partition, attemptThatFailed, error, eventKey) {
    const headers = plainHeaders(message.headers);
    const now = Date.now();
    const common = {
      ...headers,
      [HEADERS.attempt]: String(attemptThatFailed + 1),
      [HEADERS.error]: error.message.slice(0, 1000),
      [HEADERS.firstFailureAt]: headers[HEADERS.firstFailureAt] ?? new Date(now).toISOString(),
      [HEADERS.originalTopic]: headers[HEADERS.originalTopic] ?? sourceTopic,
      [HEADERS.originalPartition]: headers[HEADERS.originalPartition] ?? String(partition),
      [HEADERS.originalOffset]: headers[HEADERS.originalOffset] ?? message.offset,
      [HEADERS.eventKey]: eventKey,
    };
    // A HooklogError says whether it can be retried: `retryable: false` goes to the dead letters at once.
    const notRetryable = error instanceof UndecodableMessageError || !isRetryable(error);
    const dead = notRetryable || attemptThatFailed >= maxAttempts(definition);
    const topic = dead ? deadLetterTopic(definition.name) : retryTopic(definition.name, Math.min(attemptThatFailed, levels));
    const outgoing = dead
      ? { ...common, [HEADERS.attempt]: String(attemptThatFailed) }
      : {
          ...common,
          [HEADERS.dueAt]: String(now + Math.max(retryDelayMs(definition, attemptThatFailed), error instanceof RetryLaterError ? error.retryAfterMs : 0)),
        };
    await producer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: outgoing }] });
    if (dead)
      metrics.deadLetters.inc({
        consumer: definition.name,
        reason: error instanceof UndecodableMessageError ? "undecodable" : notRetryable ? "not_retryable" : "attempts_exhausted",
      });
    else metrics.retries.inc({ consumer: definition.name });
    logger.warn({ consumer: definition.name, eventKey, attempt: attemptThatFailed, to: topic }, dead ? "event dead-lettered" : "event scheduled for retry");
  };
}

import { HooklogError } from "@hooklog/core";
/** A failure talking to Kafka or the schema registry; `retryable` says whether the same call may succeed later. */
export class KafkaUnavailableError extends HooklogError {
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, { retryable, ...options });
  }
}

/**
 * The broker's error type (`UNKNOWN_TOPIC_OR_PARTITION`, `MESSAGE_TOO_LARGE`, …) behind a kafkajs
 * error: kafkajs wraps it in KafkaJSNumberOfRetriesExceeded or KafkaJSNonRetriableError, as `cause`.
 */
export function kafkaErrorType(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === "string") return type;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Kafka refuses the records for their size: sending them again, alone or together, cannot help them. */
export const isRecordTooLargeError = (error: unknown): boolean => {
  const type = kafkaErrorType(error);
  return type === "MESSAGE_TOO_LARGE" || type === "RECORD_LIST_TOO_LARGE";
};

export const isUnknownTopicError = (error: unknown): boolean => kafkaErrorType(error) === "UNKNOWN_TOPIC_OR_PARTITION";

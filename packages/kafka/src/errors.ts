/** A failure talking to Kafka or the schema registry; `retryable` says whether the same call may succeed later. */
export class KafkaUnavailableError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KafkaUnavailableError";
    this.code = code;
    this.retryable = retryable;
  }
}

/** kafkajs marks transient errors with `retriable`; connection failures come as KafkaJSConnectionError etc. */
export function isRetriableKafkaError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { retriable?: boolean; name?: string };
  return candidate.retriable === true || /Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound/.test(candidate.name ?? "");
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

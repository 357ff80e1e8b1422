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

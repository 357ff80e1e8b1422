import { HooklogError } from "@hooklog/core";
export type EventLogErrorCode =
  /** More bytes are queued or in flight than the writer may hold: try again shortly. */
  | "overloaded"
  /** The caller gave up on the write before its batch was sent; nothing was written. */
  | "withdrawn"
  /** Kafka refuses the record for its size (the topic's max.message.bytes): it never will take it. */
  | "record_too_large"
  /** The deduplication ledger could not be read, so nothing was sent: try again shortly. */
  | "ledger_unavailable"
  /** The provider event id or type is not one the ledger takes (too long, control characters); it never will be. */
  | "invalid_event_key";

/** A write the log did not take, with a code and whether the same write may succeed later. */
export class EventLogError extends HooklogError<EventLogErrorCode> {
  constructor(code: EventLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { retryable: code !== "record_too_large" && code !== "invalid_event_key", ...options });
  }
}

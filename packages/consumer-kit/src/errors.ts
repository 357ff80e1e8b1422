import { HooklogError } from "@hooklog/core";
/**
 * The kit's own errors: a code to match on and whether the same event may succeed on a later
 * attempt. Handlers throw any HooklogError with `retryable: false` to dead-letter an event at once.
 */
export class ConsumerKitError extends HooklogError {
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, { retryable, ...options });
  }
}

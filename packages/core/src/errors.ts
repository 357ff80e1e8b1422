/**
 * The one error base of the project, as platformatic/kafka's GenericError: a code to match on, and
 * whether the same operation may succeed if tried again. The consumer kit dead-letters an event at
 * once when its handler throws a HooklogError with `retryable: false`; any other error is retried.
 */
export class HooklogError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;

  constructor(code: Code, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable;
  }
}

/** False only for a HooklogError that says so: an error we know nothing of may pass if tried again. */
export const isRetryable = (error: unknown): boolean => !(error instanceof HooklogError) || error.retryable;

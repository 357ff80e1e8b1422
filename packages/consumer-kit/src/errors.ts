/**
 * The kit's one error base: a code to match on and whether the same event may succeed on a later
 * attempt (`retryable: false` sends it to the dead letters at once). Handlers' own errors need only
 * the `retryable` property.
 */
export class ConsumerKitError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

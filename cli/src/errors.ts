import { HooklogError } from "@hooklog/core";

/**
 * A failure the user can act on: `message` says what happened, `hint` what to do. Printed as two
 * lines, never with a stack. Exit code 1.
 */
export class CliError extends HooklogError<"CLI_FAILED" | "CLI_USAGE"> {
  readonly hint: string;
  readonly exitCode: 1 | 2;

  constructor(message: string, hint: string, options: { cause?: unknown; usage?: boolean } = {}) {
    super(options.usage ? "CLI_USAGE" : "CLI_FAILED", message, { retryable: false, cause: options.cause });
    this.hint = hint;
    this.exitCode = options.usage ? 2 : 1;
  }
}

/** The command line itself is wrong (a value that cannot be read, a source that does not exist). Exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, hint: string) {
    super(message, hint, { usage: true });
  }
}

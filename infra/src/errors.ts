import { HooklogError } from "@hooklog/core";
/**
 * A failure of the local stack that a person must act on. `message` says what went wrong,
 * `hint` what to do; the CLI prints both on one line each and exits non-zero.
 */
export class InfraError extends HooklogError {
  readonly hint: string;
  readonly logFile: string | undefined;

  constructor(code: string, message: string, hint: string, logFile?: string) {
    // A person reads the hint and acts on it (install Java, free the port): running again alone won't help.
    super(code, message, { retryable: false });
    this.hint = hint;
    this.logFile = logFile;
  }
}

/**
 * A failure of the local stack that a person must act on. `message` says what went wrong,
 * `hint` what to do; the CLI prints both on one line each and exits non-zero.
 */
export class InfraError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly logFile: string | undefined;

  constructor(code: string, message: string, hint: string, logFile?: string) {
    super(message);
    this.name = "InfraError";
    this.code = code;
    this.hint = hint;
    this.logFile = logFile;
  }
}

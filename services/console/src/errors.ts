import { HooklogError } from "@hooklog/core";

/** A request the console cannot act on as asked: answered 400 (or 404, 409) with the message, which says what to send instead. */
export class ConsoleRequestError extends HooklogError<"bad_input" | "not_found" | "conflict"> {
  readonly status: 400 | 404 | 409;

  constructor(code: "bad_input" | "not_found" | "conflict", message: string) {
    super(code, message, { retryable: false });
    this.status = code === "bad_input" ? 400 : code === "not_found" ? 404 : 409;
  }
}

export const badInput = (message: string): ConsoleRequestError => new ConsoleRequestError("bad_input", message);
export const notFound = (message: string): ConsoleRequestError => new ConsoleRequestError("not_found", message);
export const conflict = (message: string): ConsoleRequestError => new ConsoleRequestError("conflict", message);

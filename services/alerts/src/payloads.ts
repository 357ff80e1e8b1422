import { HooklogError } from "@hooklog/core";
import { z } from "@hooklog/config";

/**
 * An event without the fields an alert needs: trying again cannot help, so the kit dead-letters it
 * at once, where it waits for a fix and a redrive.
 */
export class InvalidPayloadError extends HooklogError<"INVALID_PAYLOAD"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_PAYLOAD", message, { retryable: false, ...options });
  }
}

/** Validates what an alert reads from an event, naming every missing or malformed field. */
export function parsePayload<T extends z.ZodType>(what: string, schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw new InvalidPayloadError(`${what} is missing what alerts needs:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

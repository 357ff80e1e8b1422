import { z } from "@hooklog/config";

/**
 * An event without the fields an alert needs. Not retryable in itself, but the kit retries every
 * handler error and then dead-letters it, where it waits for a fix and a redrive.
 */
export class InvalidPayloadError extends Error {
  readonly code = "INVALID_PAYLOAD";
  readonly retryable = false;
}

/** Validates what an alert reads from an event, naming every missing or malformed field. */
export function parsePayload<T extends z.ZodType>(what: string, schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`).join("; ");
    throw new InvalidPayloadError(`${what} is missing what alerts needs (${problems})`);
  }
  return result.data;
}

import type { IHeaders } from "kafkajs";

export type { IHeaders };

/**
 * Headers the hub writes on every webhook event it appends: its hub event id and its type, so a
 * reader can pick or skip an event without decoding its value.
 */
export const EVENT_HEADERS = {
  eventId: "hooklog-event-id",
  eventType: "hooklog-event-type",
} as const;

/** The first value of a Kafka header, as text. */
export function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Every header as text, first values only: what the kit copies onto a retried or dead-lettered message. */
export function plainHeaders(headers: IHeaders | undefined): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = header(headers, name);
    if (value !== undefined) plain[name] = value;
  }
  return plain;
}

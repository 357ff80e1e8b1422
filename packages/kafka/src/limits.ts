const MIB = 1024 * 1024;

/** The largest body any source may accept: GitHub sends payloads up to 25 MB. */
export const MAX_SOURCE_BODY_BYTES = 25 * MIB;

/**
 * Room for the envelope around a payload: the Avro fields, the audit headers (Node caps a request's
 * headers at 16 KiB), the Kafka headers and the record batch framing.
 */
export const ENVELOPE_ALLOWANCE_BYTES = 64 * 1024;

/**
 * The largest record any Hooklog topic takes (a retry or dead-letter copy of the largest event adds
 * a few headers). Brokers (`message.max.bytes`) and every reader's fetch sizes are set to it.
 */
export const MAX_RECORD_BYTES = 32 * MIB;

/**
 * A source topic's `max.message.bytes`: its largest body plus the envelope, and never below Kafka's
 * own default (1 MiB), so a batch of small events bounded by the writer's batch size always fits.
 */
export function sourceTopicMaxMessageBytes(maxBodyBytes: number): number {
  return Math.max(maxBodyBytes, MIB) + ENVELOPE_ALLOWANCE_BYTES;
}

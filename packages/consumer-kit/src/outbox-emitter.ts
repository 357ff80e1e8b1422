import { createRecordCodec, valueSubject, type RecordCodec, type SchemaRegistryClient } from "@hooklog/kafka";
import { latestSchema } from "@hooklog/schemas";
import { injectTraceHeaders } from "@hooklog/telemetry";
import type { ConsumerDefinition } from "./definition.ts";
import type { Emitter } from "./processing.ts";
import { HEADERS, emittedRecords } from "./topology.ts";

/**
 * Registers the newest schema of each record the consumer emits, then writes each emitted domain
 * event as an outbox row in the handler's transaction (outbox.ts relays the rows to Kafka). The row
 * carries the trace context and the event that caused it.
 */
export async function createOutboxEmitter(registry: SchemaRegistryClient, definition: ConsumerDefinition): Promise<Emitter> {
  const codecs = new Map<string, { topic: string; codec: RecordCodec<Record<string, unknown>> }>();
  for (const { record, topic } of emittedRecords(definition)) {
    codecs.set(record, { topic, codec: await createRecordCodec<Record<string, unknown>>(registry, valueSubject(topic), latestSchema(record).schema) });
  }
  return {
    async emit(trx, record, value, key, causation) {
      const target = codecs.get(record);
      if (!target) throw new Error(`consumer ${definition.name} emits ${record} but does not declare it in emits`);
      const root = causation.kind === "webhook" ? causation.event.id : causation.rootEventId;
      const headers = injectTraceHeaders({
        "hooklog-causation-key": causation.key,
        "hooklog-record": record,
        ...(root === undefined ? {} : { [HEADERS.rootEventId]: root }),
      });
      await trx("outbox").insert({
        topic: target.topic,
        message_key: key ?? String(value.eventId),
        value: await target.codec.encode(value),
        headers: JSON.stringify(headers),
      });
    },
  };
}

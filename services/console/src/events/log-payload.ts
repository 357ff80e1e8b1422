import type { CatalogPayload, CatalogPosition } from "@hooklog/event-catalog";
import { parseWebhookPayload, readMessagesAt, readerGroupId } from "@hooklog/consumer-kit";
import { SchemaRegistryClient, createKafka } from "@hooklog/kafka";
import type { WebhookEvent } from "@hooklog/schemas";

/** Reads an event's body from the log by its position: the catalog drops payloads after their retention, Kafka keeps them. */
export type PayloadFromLog = (position: CatalogPosition) => Promise<CatalogPayload>;

export function payloadFromLog(options: { kafkaBrokers: readonly string[]; schemaRegistryUrl: string }): PayloadFromLog {
  const kafka = createKafka({ clientId: "hooklog-console", brokers: options.kafkaBrokers });
  const registry = new SchemaRegistryClient(options.schemaRegistryUrl);
  return async (position) => {
    // Not under the hooklog. prefix: the read is not a consumer, and is not listed as one.
    const messages = await readMessagesAt(kafka, readerGroupId("hooklog-console.read"), [position]);
    const message = [...messages.values()][0];
    if (!message?.value) throw new Error(`no message at ${position.topic}/${position.partition}@${position.offset}`);
    const envelope = (await registry.decode(message.value)) as WebhookEvent;
    try {
      return { form: "json", value: parseWebhookPayload(envelope.contentType, envelope.payload) };
    } catch {
      // Not JSON (nor GitHub's form): shown as the text it is, or its bytes.
      const text = envelope.payload.toString("utf8");
      return Buffer.from(text, "utf8").equals(envelope.payload) ? { form: "text", text } : { form: "base64", base64: envelope.payload.toString("base64") };
    }
  };
}

export { createKafka } from "./client.ts";
export type { KafkaClientOptions, KafkaLogSink } from "./client.ts";
export { createIdempotentProducer, createTransactionalProducer } from "./producer.ts";
export type { LogProducer } from "./producer.ts";
export {
  DELIVERY_RETENTION_HOURS,
  DELIVERY_TOPIC,
  deliveryTopicSpec,
  ensureTopics,
  KEEP_FOREVER,
  replicationFor,
  topicMaxMessageBytes,
  webhookTopicSpec,
} from "./topics.ts";
export type { Replication, TopicSpec } from "./topics.ts";
export { SchemaRegistryClient, valueSubject } from "./schema-registry.ts";
export type { CompatibilityVerdict } from "./schema-registry.ts";
export { createRecordCodec, wireSchemaId } from "./avro-codec.ts";
export type { RecordCodec } from "./avro-codec.ts";
export { KafkaUnavailableError, isRecordTooLargeError, isUnknownTopicError, kafkaErrorType } from "./errors.ts";
export type { Kafka, Producer, Consumer, Admin, KafkaMessage, IHeaders } from "kafkajs";
export { ENVELOPE_ALLOWANCE_BYTES, MAX_RECORD_BYTES, MAX_SOURCE_BODY_BYTES, sourceTopicMaxMessageBytes } from "./limits.ts";
export { EVENT_HEADERS, header, plainHeaders } from "./headers.ts";

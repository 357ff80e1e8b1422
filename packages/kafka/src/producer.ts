import { Partitioners, type Kafka, type Producer } from "kafkajs";

export interface IdempotentProducerOptions {
  /** Set for a transactional producer; must be stable per producing instance. */
  transactionalId?: string;
}

/**
 * An idempotent producer: acks from all in-sync replicas, broker-side de-duplication of retried
 * batches. kafkajs keeps ordering under retries only with one request in flight per broker.
 */
export function createIdempotentProducer(kafka: Kafka, options: IdempotentProducerOptions = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java-compatible murmur2 partitioning (kafkajs 2's default), named so kafkajs does not warn.
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
  });
}

import { Partitioners, type Kafka, type Producer, type ProducerBatch, type ProducerRecord, type RecordMetadata } from "kafkajs";

/** What Hooklog's writers need of a producer: the idempotent producer below, safe after a failure. */
export interface LogProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

const idempotentOptions = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  // Java-compatible murmur2 partitioning (kafkajs 2's default), named so kafkajs does not warn.
  createPartitioner: Partitioners.DefaultPartitioner,
} as const;

/**
 * kafkajs 2.2.4 (`src/producer/sendMessages.js`) lowers the sequence number of every partition of a
 * produce request that throws — also of partitions the broker appended (a request throws when any
 * one partition is refused, or when its retries run out after a timeout in which the broker did
 * append). The next send to such a partition reuses those numbers, and the broker acknowledges it as
 * a duplicate without appending: an acknowledged record that is not in Kafka.
 *
 * So after any failed send the producer is replaced before the next one: a new producer has a new
 * producer id, whose sequence numbers start afresh, and nothing it sends can be taken for a
 * duplicate of what the old one sent. A failed send's records may be in Kafka or not; the caller
 * sends them again, and consumers absorb the copy. Sends go one at a time: a send begun while
 * another is failing would take numbers that the failure is about to hand out again.
 */
class SequenceSafeProducer implements LogProducer {
  readonly #kafka: Kafka;
  #producer: Producer | undefined;
  #failed = false;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  async connect(): Promise<void> {
    await this.#serially(async () => {
      await this.#current();
    });
  }

  async disconnect(): Promise<void> {
    await this.#serially(async () => {
      const producer = this.#producer;
      this.#producer = undefined;
      await producer?.disconnect();
    });
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.#serially(async () => this.#guarded((producer) => producer.send(record)));
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.#serially(async () => this.#guarded((producer) => producer.sendBatch(batch)));
  }

  async #guarded<T>(send: (producer: Producer) => Promise<T>): Promise<T> {
    const producer = await this.#current();
    try {
      return await send(producer);
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  /** The connected producer; after a failure, a new one (a new producer id). */
  async #current(): Promise<Producer> {
    if (this.#producer && this.#failed) {
      const stale = this.#producer;
      this.#producer = undefined;
      // Its sockets are closed either way; an error here says nothing about the next send.
      await stale.disconnect().catch(() => undefined);
    }
    if (!this.#producer) {
      const producer = this.#kafka.producer(idempotentOptions);
      try {
        await producer.connect();
      } catch (error) {
        // A producer that could not connect still holds sockets and retry timers: close them.
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.#producer = producer;
      this.#failed = false;
    }
    return this.#producer;
  }

  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/**
 * The producer every writer of the log uses: acks from all in-sync replicas, broker-side
 * de-duplication of retried requests, and never a reused sequence number after a failure.
 */
export function createIdempotentProducer(kafka: Kafka): LogProducer {
  return new SequenceSafeProducer(kafka);
}

/** A transactional producer (stable `transactionalId` per producing instance), as kafkajs gives it. */
export function createTransactionalProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafka.producer({ ...idempotentOptions, transactionalId });
}

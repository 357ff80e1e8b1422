import type { Kafka, LogProducer, Producer } from "@hooklog/kafka";
import { Partitioners, type ProducerBatch, type ProducerRecord, type RecordMetadata } from "kafkajs";

/** How long the broker may take to acknowledge a lone side-record request. */
const SIDE_RECORD_ACK_TIMEOUT_MS = 2000;

/**
 * A plain producer for side records sent alone: nothing an event waits for. It is not idempotent,
 * so it shares no sequence numbers, no one-at-a-time queue and no failure state with the events'
 * producer; a failed send is not retried (the record is best effort and never sent twice) and
 * leaves the connection as it is. It connects at its first send; a failed connect is tried again
 * at the next.
 */
class SideRecordProducer implements LogProducer {
  readonly #kafka: Kafka;
  #producer: Producer | undefined;
  #connecting: Promise<Producer> | undefined;

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  async connect(): Promise<void> {
    await this.#current();
  }

  async disconnect(): Promise<void> {
    const producer = this.#producer ?? (await this.#connecting?.catch(() => undefined));
    this.#producer = undefined;
    this.#connecting = undefined;
    await producer?.disconnect();
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return (await this.#current()).send({ timeout: SIDE_RECORD_ACK_TIMEOUT_MS, ...record });
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return (await this.#current()).sendBatch({ timeout: SIDE_RECORD_ACK_TIMEOUT_MS, ...batch });
  }

  #current(): Promise<Producer> {
    if (this.#producer) return Promise.resolve(this.#producer);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<Producer> {
    const producer = this.#kafka.producer({
      idempotent: false,
      allowAutoTopicCreation: false,
      retry: { retries: 0 },
      // The partitioner of the events' producer: a source's records land on one partition however they travel.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
    } catch (error) {
      // A producer that could not connect still holds sockets and retry timers: close them.
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.#producer = producer;
    return producer;
  }
}

/** The producer of side records sent alone (ingest's delivery records when no event goes); connects lazily. */
export function createSideRecordProducer(kafka: Kafka): LogProducer {
  return new SideRecordProducer(kafka);
}

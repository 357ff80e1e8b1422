import { Kafka, logLevel, type KafkaConfig, type LogEntry } from "kafkajs";

/** The slice of a logger kafkajs' own messages are sent to (pino's Logger fits). */
export interface KafkaLogSink {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface KafkaClientOptions {
  clientId: string;
  brokers: readonly string[];
  logger?: KafkaLogSink;
  /** Fail fast in request paths that answer an HTTP caller; defaults suit background work. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
}

function logCreator(sink: KafkaLogSink | undefined): KafkaConfig["logCreator"] {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!sink) return;
      const { message, ...extra } = log;
      const fields = { component: "kafkajs", ...extra };
      // Our retries are bounded on purpose (a caller is waiting, and answers 503 instead). The warning's
      // danger, a sequence number reused after retries run out, is closed by producer.ts: a producer
      // whose send failed is replaced (a new producer id) before the next send.
      if (message.startsWith("Limiting retries for the idempotent producer")) {
        sink.debug(fields, message);
        return;
      }
      if (level === logLevel.ERROR) sink.error(fields, message);
      else if (level === logLevel.WARN) sink.warn(fields, message);
      else if (level === logLevel.INFO) sink.debug(fields, message);
      else sink.debug(fields, message);
    };
}

/** The one way Hooklog builds a Kafka client. */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5000 },
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: logCreator(options.logger),
  });
}

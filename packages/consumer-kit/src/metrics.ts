import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** A consumer's Prometheus metrics, labelled by consumer so one dashboard serves every team's. */
export function createConsumerMetrics(registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: "hooklog_consumer_process_" });
  const labels = ["consumer"] as const;
  return {
    registry,
    processed: new Counter({ name: "hooklog_consumer_processed_total", help: "Events whose handler committed", labelNames: labels, registers: [registry] }),
    duplicates: new Counter({
      name: "hooklog_consumer_duplicates_skipped_total",
      help: "Copies of already processed events, skipped",
      labelNames: labels,
      registers: [registry],
    }),
    retries: new Counter({ name: "hooklog_consumer_retries_total", help: "Failed attempts sent to a retry topic", labelNames: labels, registers: [registry] }),
    deadLetters: new Counter({
      name: "hooklog_consumer_dead_letters_total",
      help: "Events sent to the dead-letter topic",
      labelNames: ["consumer", "reason"] as const,
      registers: [registry],
    }),
    handlerSeconds: new Histogram({
      name: "hooklog_consumer_handler_seconds",
      help: "Handler time per event",
      labelNames: labels,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    memberRestarts: new Counter({
      name: "hooklog_consumer_member_restarts_total",
      help: "Group members replaced after kafkajs left them out of the group",
      labelNames: labels,
      registers: [registry],
    }),
    lag: new Gauge({
      name: "hooklog_consumer_lag",
      help: "Messages behind the end of each subscribed partition",
      labelNames: ["consumer", "topic", "partition"] as const,
      registers: [registry],
    }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** A consumer's held keys and parked events, as Postgres holds them (key-order.ts). */
export interface KeyOrderReading {
  heldKeys: number;
  parkedEvents: number;
  oldestParkedSeconds: number;
}

/** A consumer's Prometheus metrics, labelled by consumer so one dashboard serves every team's. */
export function createConsumerMetrics(registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: "hooklog_consumer_process_" });
  const labels = ["consumer"] as const;
  // Read from Postgres when scraped, so every instance of a consumer reports the same, current figures.
  const keyOrderReaders = new Map<string, () => Promise<KeyOrderReading>>();
  const keyOrderGauge = (name: string, help: string, pick: (reading: KeyOrderReading) => number) =>
    new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      async collect() {
        for (const [consumer, read] of keyOrderReaders) this.set({ consumer }, pick(await read()));
      },
    });
  return {
    registry,
    /** Tells the gauges of held keys and parked events how to read a consumer's (the runner does). */
    readKeyOrderWith(consumer: string, read: () => Promise<KeyOrderReading>): void {
      keyOrderReaders.set(consumer, read);
    },
    heldKeys: keyOrderGauge(
      "hooklog_consumer_held_keys",
      "Keys whose later events wait behind a failed event (in a retry topic or the dead letters)",
      (reading) => reading.heldKeys,
    ),
    parkedEvents: keyOrderGauge("hooklog_consumer_parked_events", "Events waiting behind a failed event of their key", (reading) => reading.parkedEvents),
    oldestParkedSeconds: keyOrderGauge(
      "hooklog_consumer_oldest_parked_seconds",
      "How long the longest-waiting parked event has waited",
      (reading) => reading.oldestParkedSeconds,
    ),
    parked: new Counter({
      name: "hooklog_consumer_parked_total",
      help: "Events parked behind a failed event of their key",
      labelNames: labels,
      registers: [registry],
    }),
    parkedSeconds: new Histogram({
      name: "hooklog_consumer_parked_seconds",
      help: "How long a parked event waited before it was applied",
      labelNames: labels,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400],
      registers: [registry],
    }),
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
    batchEvents: new Histogram({
      name: "hooklog_consumer_batch_events",
      help: "Messages read per batch of one partition (what one transaction and one offset commit carry)",
      labelNames: labels,
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
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

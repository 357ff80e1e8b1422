import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Ingest's Prometheus metrics, on a registry of its own so several apps in one test process stay apart. */
export function createIngestMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hooklog_ingest_process_" });
  const labels = ["source"] as const;
  return {
    registry,
    received: new Counter({ name: "hooklog_ingest_received_total", help: "Webhook requests received, by source", labelNames: labels, registers: [registry] }),
    accepted: new Counter({
      name: "hooklog_ingest_accepted_total",
      help: "Events acknowledged by Kafka and answered 202",
      labelNames: labels,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "hooklog_ingest_duplicates_total",
      help: "Redeliveries answered 200 duplicate, nothing written",
      labelNames: labels,
      registers: [registry],
    }),
    ignored: new Counter({
      name: "hooklog_ingest_ignored_total",
      help: "Verified events of a type the source does not accept",
      labelNames: labels,
      registers: [registry],
    }),
    rejected: new Counter({
      name: "hooklog_ingest_rejected_total",
      help: "Requests rejected or answered 503, by source and reason (the code of the answer)",
      labelNames: ["source", "reason"] as const,
      registers: [registry],
    }),
    verificationFailures: new Counter({
      name: "hooklog_ingest_verification_failures_total",
      help: "Requests whose signature did not verify, by source and reason (missing, malformed, mismatch, timestamp)",
      labelNames: ["source", "reason"] as const,
      registers: [registry],
    }),
    deliveryRecordsWritten: new Counter({
      name: "hooklog_ingest_delivery_records_written_total",
      help: "Delivery records (one per inbound request) Kafka acknowledged on the deliveries topic, by source",
      labelNames: labels,
      registers: [registry],
    }),
    deliveryRecordsDropped: new Counter({
      name: "hooklog_ingest_delivery_records_dropped_total",
      help: "Delivery records not written, by source and reason: rate (past INGEST_DELIVERY_LOG_RATE), queue_full, write_failed (Kafka, the registry or the topic)",
      labelNames: ["source", "reason"] as const,
      registers: [registry],
    }),
    produceLatency: new Histogram({
      name: "hooklog_ingest_produce_seconds",
      help: "Time from handing an event to the producer until Kafka acknowledged it",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "hooklog_ingest_batch_size",
      help: "Events per Kafka produce request",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    batchPhase: new Histogram({
      name: "hooklog_ingest_batch_phase_seconds",
      help: "Time a batch spends in each round trip: lookup (dedup ledger), send (Kafka until acknowledged), record (ledger insert)",
      labelNames: ["phase"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/** Bytes of events queued or in flight to Kafka, read from the writer at each scrape. */
export function observePendingBytes(metrics: IngestMetrics, read: () => number): void {
  new Gauge({
    name: "hooklog_ingest_pending_bytes",
    help: "Bytes of events waiting for Kafka's acknowledgement (bounded by INGEST_MAX_PENDING_BYTES)",
    registers: [metrics.registry],
    collect() {
      this.set(read());
    },
  });
}

/** Produce requests the writer sent (events, delivery records or both), read from the writer at each scrape. */
export function observeProduceRequests(metrics: IngestMetrics, read: () => number): void {
  new Counter({
    name: "hooklog_ingest_produce_requests_total",
    help: "Produce requests sent to Kafka: events and delivery records share them",
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

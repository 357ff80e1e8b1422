// Every consumer's lag per partition over time, sampled every 30 s and kept in memory for 24 hours:
// Kafka keeps no history of lag, so the console's starts when the console does (the page says so).
import type { ConsoleDeps } from "./deps.ts";
import { consoleKafkaOf, type TopicEnds } from "./kafka-admin.ts";

export const SAMPLE_INTERVAL_MS = 30_000;
export const HISTORY_MS = 24 * 60 * 60 * 1000;

export interface LagSample {
  at: Date;
  /** The lag of each partition the group committed on, keyed `topic/partition`. */
  partitions: Record<string, number>;
}

/** A ring per consumer: the oldest sample goes once a day older than the newest. */
export class LagHistory {
  readonly startedAt: Date;
  readonly #samples = new Map<string, LagSample[]>();
  readonly #keepMs: number;

  constructor(options: { startedAt?: Date; keepMs?: number } = {}) {
    this.startedAt = options.startedAt ?? new Date();
    this.#keepMs = options.keepMs ?? HISTORY_MS;
  }

  record(consumer: string, sample: LagSample): void {
    const samples = this.#samples.get(consumer) ?? [];
    samples.push(sample);
    const oldest = sample.at.getTime() - this.#keepMs;
    while (samples.length > 0 && (samples[0]?.at.getTime() ?? 0) < oldest) samples.shift();
    this.#samples.set(consumer, samples);
  }

  of(consumer: string): readonly LagSample[] {
    return this.#samples.get(consumer) ?? [];
  }

  /** When sampling began for any consumer; undefined before the first sample. */
  get sampledSince(): Date | undefined {
    return this.#samples.size === 0 ? undefined : this.startedAt;
  }
}

const histories = new WeakMap<ConsoleDeps, LagHistory>();

/** The history of a console (its deps): what startLagHistory fills and the consumers pages read. */
export function lagHistoryOf(deps: ConsoleDeps): LagHistory {
  let history = histories.get(deps);
  if (!history) {
    history = new LagHistory({ startedAt: (deps.now ?? (() => new Date()))() });
    histories.set(deps, history);
  }
  return history;
}

/** Samples every consumer's lag once; a consumer Kafka cannot answer for is logged and left out of this sample. */
export async function sampleLag(deps: ConsoleDeps): Promise<void> {
  const kafka = consoleKafkaOf(deps);
  const history = lagHistoryOf(deps);
  const at = (deps.now ?? (() => new Date()))();
  const topicEnds: TopicEnds = new Map();
  for (const consumer of await kafka.consumers()) {
    try {
      const lags = await kafka.lag(consumer, topicEnds);
      history.record(consumer, { at, partitions: Object.fromEntries(lags.map((lag) => [`${lag.topic}/${lag.partition}`, lag.lag])) });
    } catch (error) {
      deps.logger.warn({ err: error, consumer }, "could not sample the consumer's lag; its history has a gap here");
    }
  }
}

/**
 * Samples at once, then every 30 s (the next sample is scheduled when one ends, so they never
 * overlap); stop() ends the sampling and closes the console's Kafka admin client.
 */
export function startLagHistory(deps: ConsoleDeps, options: { intervalMs?: number } = {}): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    running = sampleLag(deps)
      .catch((error: unknown) => deps.logger.warn({ err: error }, "could not sample consumer lag; the lag history has a gap here"))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await consoleKafkaOf(deps).close();
    },
  };
}

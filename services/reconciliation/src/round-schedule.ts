import type { Logger } from "@hooklog/logging";
import type { RunResult } from "./run-result.ts";

export interface RoundSchedule {
  /** Runs the first round after `delayMs`, and each next one an interval after the last ends. */
  start(delayMs: number): void;
  /** No new run starts; resolves once the run in hand ends. */
  stop(): Promise<void>;
}

/**
 * Reconciles every source in rounds, one source after another. The next round is scheduled only
 * when this one ends, so rounds never overlap, however long a provider's API keeps them waiting.
 */
export function createRoundSchedule(options: {
  sources: readonly string[];
  reconcile: (source: string) => Promise<RunResult>;
  intervalMs: number;
  logger: Logger;
}): RoundSchedule {
  const { sources, reconcile, intervalMs, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> | undefined;
  let stopped = false;

  async function round(): Promise<void> {
    for (const name of sources) {
      if (stopped) return;
      await reconcile(name).catch((error: unknown) =>
        logger.error({ err: error, source: name }, "reconciliation run failed unexpectedly; the next round retries"),
      );
    }
  }
  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      tick = round().finally(() => {
        tick = undefined;
        if (!stopped) schedule(intervalMs);
      });
    }, delayMs);
  }

  return {
    start: schedule,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await tick;
    },
  };
}

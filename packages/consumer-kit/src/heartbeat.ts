import type { Logger } from "@hooklog/logging";

/**
 * Runs `work` while heartbeating every `intervalMs`, so a batch whose handlers outlast the session
 * timeout keeps the consumer in its group. kafkajs heartbeats only between batches by itself; without
 * a heartbeat the broker drops the member, and the offset commit after the batch is refused with
 * UNKNOWN_MEMBER_ID, which kafkajs 2.2.4 treats as a crash it does not restart from (test/long-batch).
 * kafkajs sends at most one heartbeat per heartbeatInterval, however often it is asked.
 */
export async function heartbeatWhile<T>(
  heartbeat: () => Promise<void>,
  options: { intervalMs: number; logger: Logger; consumer: string },
  work: () => Promise<T>,
): Promise<T> {
  let failures = 0;
  const timer = setInterval(() => {
    heartbeat().catch((error: unknown) => {
      // Not the batch's failure: a rebalance under way shows here first, and kafkajs rejoins after the batch.
      failures += 1;
      if (failures === 1) options.logger.warn({ consumer: options.consumer, err: error }, "heartbeat during a batch failed; the batch goes on");
    });
  }, options.intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

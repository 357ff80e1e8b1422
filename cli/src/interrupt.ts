/**
 * Runs `work` until it ends or Ctrl-C (SIGINT, SIGTERM) aborts its signal; a second Ctrl-C exits at
 * once. A timer holds the process open meanwhile: should every socket close while the reader waits
 * for a sign of life, the process must not end in silence before the reader notices.
 */
export async function untilInterrupted(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    await work(controller.signal);
  } finally {
    clearInterval(keepAlive);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

export interface EventuallyOptions {
  /** 30 s unless a test waits for something slower. */
  timeoutMs?: number;
  /** Time between checks; 200 ms. */
  intervalMs?: number;
  /** Appended to the timeout error, e.g. the services' output, which is usually why the wait failed. */
  context?: () => string;
}

/**
 * Polls `check` until it returns something other than `undefined` or `false`, and resolves with it:
 * `true` for a condition, the row or value itself for a lookup. The last check starts at or after the
 * deadline, so a wait never fails on a look older than its interval. An error thrown by `check` ends the wait.
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 200, context }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      const message = `gave up waiting for ${what} after ${timeoutMs} ms`;
      throw new Error(context ? `${message}\n${context()}` : message);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

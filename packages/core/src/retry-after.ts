/**
 * Retry-After in milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3), never
 * below zero; undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | number | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = String(header).trim();
  if (text === "") return undefined;
  // An HTTP date names its month ("Mon, 10 Mar 2025 12:01:30 GMT"); "-5" or "1.5" is neither form.
  const milliseconds = /^\d+$/.test(text) ? Number(text) * 1000 : /[a-z]/i.test(text) ? Date.parse(text) - now : Number.NaN;
  return Number.isFinite(milliseconds) ? Math.max(milliseconds, 0) : undefined;
}

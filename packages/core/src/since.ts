import { HooklogError } from "./errors.ts";

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Where a look back starts, as people say it: `90s`, `30m`, `2h`, `3d` back from `now`, or an ISO
 * 8601 time (not in the future). Anything else is an INVALID_SINCE error that shows both forms.
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const trimmed = text.trim();
  const relative = /^(\d+)\s*([smhd])$/.exec(trimmed);
  if (relative) {
    const [, amount, unit] = relative as unknown as [string, string, keyof typeof UNIT_MS];
    return new Date(now.getTime() - Number(amount) * UNIT_MS[unit]);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const at = new Date(trimmed);
    if (!Number.isNaN(at.getTime())) {
      if (at.getTime() > now.getTime()) throw new HooklogError("INVALID_SINCE", `since ${trimmed} is in the future`, { retryable: false });
      return at;
    }
  }
  throw new HooklogError("INVALID_SINCE", `since must be a duration such as 30m, 2h or 3d, or an ISO time such as 2025-01-31T12:00:00Z (got "${text}")`, {
    retryable: false,
  });
}

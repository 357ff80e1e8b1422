// The time window a run looks at, and what the caller may say about where it starts.

export interface RunWindow {
  start: Date;
  /** When the run began: the checkpoint moves here after a successful run. */
  end: Date;
  /** Where the start came from. */
  basis: "checkpoint" | "since" | "initial";
}

export class SinceError extends Error {
  readonly code = "INVALID_SINCE";
  readonly retryable = false;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `2h`, `30m`, `3d`, `90s` back from `now`, or an ISO 8601 time. */
export function parseSince(text: string, now: Date): Date {
  const relative = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (relative) {
    const [, amount, unit] = relative as unknown as [string, string, keyof typeof UNIT_MS];
    return new Date(now.getTime() - Number(amount) * UNIT_MS[unit]);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const at = new Date(text.trim());
    if (!Number.isNaN(at.getTime())) {
      if (at.getTime() > now.getTime()) throw new SinceError(`since ${text} is in the future`);
      return at;
    }
  }
  throw new SinceError(`since must be a duration such as 30m, 2h or 3d, or an ISO time such as 2025-01-31T12:00:00Z (got "${text}")`);
}

export function runWindow(options: { checkpoint: Date | undefined; since: Date | undefined; now: Date; overlapMs: number; initialLookbackMs: number }): RunWindow {
  const { checkpoint, since, now } = options;
  if (since) return { start: since, end: now, basis: "since" };
  if (checkpoint) return { start: new Date(checkpoint.getTime() - options.overlapMs), end: now, basis: "checkpoint" };
  return { start: new Date(now.getTime() - options.initialLookbackMs), end: now, basis: "initial" };
}

/**
 * A run may move the checkpoint only if it covered everything after it: a `--since 30m` run over a
 * checkpoint two hours old did not look at the 90 minutes between, and must not claim them.
 */
export function coversCheckpoint(window: RunWindow, checkpoint: Date | undefined): boolean {
  return checkpoint === undefined || window.start.getTime() <= checkpoint.getTime();
}

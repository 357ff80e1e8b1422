// The time window a run looks at, and what the caller may say about where it starts.

export interface RunWindow {
  start: Date;
  /** When the run began: the checkpoint moves here after a successful run. */
  end: Date;
  /** Where the start came from. */
  basis: "checkpoint" | "since" | "initial";
}

export function runWindow(options: {
  checkpoint: Date | undefined;
  since: Date | undefined;
  now: Date;
  overlapMs: number;
  initialLookbackMs: number;
}): RunWindow {
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

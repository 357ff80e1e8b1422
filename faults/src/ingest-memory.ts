// Ingest's resident memory, sampled from /proc/<pid>/status, as the peak of each phase.
import { readFileSync } from "node:fs";

function residentBytes(pid: number): number | undefined {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined; // ingest is down (a fault killed it): nothing to sample
  }
}

export class PeakMemory {
  readonly #peaks = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(pid: () => number | undefined, phase: () => string, intervalMs = 100) {
    this.#timer = setInterval(() => {
      const current = pid();
      const bytes = current === undefined ? undefined : residentBytes(current);
      if (bytes === undefined) return;
      const name = phase();
      this.#peaks.set(name, Math.max(bytes, this.#peaks.get(name) ?? 0));
    }, intervalMs);
    this.#timer.unref();
  }

  peak(phase: string): number | undefined {
    return this.#peaks.get(phase);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

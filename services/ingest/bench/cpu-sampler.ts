import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th.
    const afterName = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(afterName[11]) + Number(afterName[12]);
  } catch {
    return 0;
  }
}

function pidsNamed(command: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === command;
      } catch {
        return false;
      }
    });
}

/**
 * CPU used by each component while a load runs, in percent of one core: on a 2-core machine the
 * load generator, the server, Kafka and Postgres share 200 %, and that shapes every figure.
 */
export function sampleCpu(components: Record<string, () => number[]>): () => Record<string, number> {
  const started = performance.now();
  const before = Object.fromEntries(Object.entries(components).map(([name, pids]) => [name, new Map(pids().map((pid) => [pid, cpuTicks(pid)]))]));
  return () => {
    const seconds = (performance.now() - started) / 1000;
    return Object.fromEntries(
      Object.entries(components).map(([name, pids]) => {
        const start = before[name] ?? new Map<number, number>();
        const used = pids().reduce((sum, pid) => sum + cpuTicks(pid) - (start.get(pid) ?? 0), 0);
        return [name, (100 * used) / CLOCK_TICKS_PER_SECOND / seconds];
      }),
    );
  };
}

export const postgresPids = (): number[] => pidsNamed("postgres");

import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

/** A process's CPU time so far, in clock ticks: in user space and in the kernel. */
function cpuTicks(pid: number): { user: number; system: number } {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th.
    const afterName = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return { user: Number(afterName[11]), system: Number(afterName[12]) };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** One component's CPU over a run, in percent of one core: all of it, and its user and system parts. */
export interface CpuUse {
  total: number;
  user: number;
  system: number;
}

/** "ingest 91% (user 70, system 21)": a component's use as the benches print it. */
export const cpuText = (name: string, use: CpuUse): string => `${name} ${use.total.toFixed(0)}% (user ${use.user.toFixed(0)}, system ${use.system.toFixed(0)})`;

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
export function sampleCpu(components: Record<string, () => number[]>): () => Record<string, CpuUse> {
  const started = performance.now();
  const before = Object.fromEntries(Object.entries(components).map(([name, pids]) => [name, new Map(pids().map((pid) => [pid, cpuTicks(pid)]))]));
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const percent = (ticks: number): number => (100 * ticks) / CLOCK_TICKS_PER_SECOND / seconds;
    return Object.fromEntries(
      Object.entries(components).map(([name, pids]) => {
        const start = before[name] ?? new Map<number, { user: number; system: number }>();
        let user = 0;
        let system = 0;
        for (const pid of pids()) {
          const now = cpuTicks(pid);
          user += now.user - (start.get(pid)?.user ?? 0);
          system += now.system - (start.get(pid)?.system ?? 0);
        }
        return [name, { total: percent(user + system), user: percent(user), system: percent(system) }];
      }),
    );
  };
}

export const postgresPids = (): number[] => pidsNamed("postgres");

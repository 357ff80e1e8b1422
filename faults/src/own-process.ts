// A process this run started, and only that one. Infra finds its daemons by a pid file and a marker
// in the command line, and the marker (-Dhooklog.component=kafka, ...) is the same for every stack on
// the machine. Here a pid is signalled only while /proc says it is still the very process we recorded:
// same start time, and a command line naming this run's state directory.
import { readFileSync } from "node:fs";

interface ProcStat {
  state: string;
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    const startTime = fields[19];
    return state && startTime ? { state, startTime } : undefined;
  } catch {
    return undefined; // no /proc entry: the process is gone
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return undefined; // gone between two reads
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class OwnProcess {
  readonly name: string;
  readonly pid: number;
  readonly #startTime: string;

  private constructor(name: string, pid: number, startTime: string) {
    this.name = name;
    this.pid = pid;
    this.#startTime = startTime;
  }

  /** The process `pid`, if it runs and its command line names `owner` (this run's state directory). */
  static adopt(name: string, pid: number, owner: string): OwnProcess {
    const stat = procStat(pid);
    const cmdline = commandLine(pid);
    if (!stat || stat.state === "Z" || cmdline === undefined) throw new Error(`${name}: pid ${pid} is not running`);
    if (!cmdline.includes(owner)) throw new Error(`${name}: pid ${pid} is not this run's (its command line does not name ${owner}): ${cmdline.slice(0, 300)}`);
    return new OwnProcess(name, pid, stat.startTime);
  }

  /** Still the process we recorded (a recycled pid has another start time), and not a zombie. */
  isAlive(): boolean {
    const stat = procStat(this.pid);
    return stat !== undefined && stat.startTime === this.#startTime && stat.state !== "Z";
  }

  /** Sends `signal` if the process is still ours; false when it is gone. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.isAlive()) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
      throw error;
    }
  }

  /** True once the process is gone; false if it still runs after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.isAlive()) {
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** SIGKILL, and wait until the kernel has taken it away. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited(30_000);
  }

  /** SIGTERM (after SIGCONT, in case a fault left it stopped), then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.signal("SIGCONT");
    this.signal("SIGTERM");
    if (!(await this.exited(graceMs))) await this.kill();
  }
}

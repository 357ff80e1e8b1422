import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { InfraError } from "./errors.ts";
import { statePath } from "./paths.ts";

/** A background process of the stack, known by a pid file and a marker in its command line. */
export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** A string found in the process's command line, so a recycled pid is not mistaken for ours. */
  marker: string;
}

function pidFile(name: string): string {
  return statePath("run", `${name}.pid`);
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    // No /proc entry: the process is gone (or this is not Linux, where we fall back to kill 0).
    try {
      process.kill(pid, 0);
      return "";
    } catch {
      return undefined;
    }
  }
}

export function runningPid(name: string, marker: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = alive(pid) ? commandLine(pid) : undefined;
  if (cmdline === undefined || (cmdline !== "" && !cmdline.includes(marker))) {
    rmSync(file, { force: true });
    return undefined;
  }
  return pid;
}

export function startDaemon(spec: DaemonSpec): number {
  const log = openSync(spec.logFile, "a");
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    if (child.pid === undefined) {
      throw new InfraError("SPAWN_FAILED", `Could not start ${spec.name} (${spec.command}).`, `Read ${spec.logFile}.`, spec.logFile);
    }
    child.unref();
    writeFileSync(pidFile(spec.name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** A zombie (exited, not yet reaped by its parent) counts as gone: kill(pid, 0) would still succeed on it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false; // the /proc entry vanished between the two calls: the process is gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`: a broker gets time for a controlled shutdown but never hangs a stop. */
export async function stopDaemon(name: string, marker: string, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(name, marker);
  if (pid === undefined) return false;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
  while (alive(pid)) await sleep(50);
  rmSync(pidFile(name), { force: true });
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/**
 * Polls `ready` until it holds, the daemon dies, or `timeoutMs` passes; the last two are errors
 * that name the log file and quote its tail.
 */
export async function awaitReady(spec: Pick<DaemonSpec, "name" | "marker" | "logFile">, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    if (runningPid(spec.name, spec.marker) === undefined) {
      throw new InfraError(
        `${spec.name.toUpperCase()}_EXITED`,
        `${spec.name} exited while starting. Last lines of ${spec.logFile}:\n${tailOf(spec.logFile)}`,
        `Read ${spec.logFile}.`,
        spec.logFile,
      );
    }
    await sleep(250);
  }
  throw new InfraError(
    `${spec.name.toUpperCase()}_NOT_READY`,
    `${spec.name} did not become ready in ${Math.round(timeoutMs / 1000)} s.`,
    `Read ${spec.logFile}; the machine may be overloaded (npm run infra:status shows what runs).`,
    spec.logFile,
  );
}

export async function ensurePortFree(port: number, name: string, envVar: string): Promise<void> {
  if (await portInUse(port)) {
    throw new InfraError(
      "PORT_TAKEN",
      `Port ${port} is taken by another process, so ${name} cannot start there.`,
      `Stop that process (ss -ltnp 'sport = :${port}' shows it) or set ${envVar} to another port.`,
    );
  }
}

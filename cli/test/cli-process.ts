import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const bin = join(import.meta.dirname, "..", "bin", "hooklog.ts");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hooklog <args>` as a user would, in a process of its own, to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = startCli(args, env);
  return child.exited.then((code) => ({ code, stdout: child.stdout(), stderr: child.stderr() }));
}

export interface RunningCli {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout's complete lines parsed as JSON (for --json). */
  jsonLines<T = Record<string, unknown>>(): T[];
  exited: Promise<number | null>;
  /** SIGINT, as Ctrl-C, and the exit code. */
  interrupt(): Promise<number | null>;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", bin, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    jsonLines: <T>() =>
      stdout
        .split("\n")
        .slice(0, -1)
        .map((line) => JSON.parse(line) as T),
    exited,
    interrupt: () => {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
  };
}

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const infraDir = join(repoRoot, "infra");

/** Everything the stack keeps between runs: downloads, Kafka's log dirs, registry install, logs, pid files. */
export function stateDir(): string {
  return resolve(process.env.HOOKLOG_STATE_DIR ?? join(repoRoot, ".hooklog"));
}

export function statePath(...parts: string[]): string {
  const path = join(stateDir(), ...parts);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** A folder under the state directory, created if missing. */
export function stateFolder(...parts: string[]): string {
  const path = join(stateDir(), ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

export function logFile(component: string): string {
  return statePath("logs", `${component}.log`);
}

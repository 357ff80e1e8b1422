import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "./paths.ts";

export interface RunningService {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Every folder of services/ whose package.json has a `start` script. */
export function discoverServices(): string[] {
  const folder = join(repoRoot, "services");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => {
      const manifest = join(folder, name, "package.json");
      return existsSync(manifest) && Boolean((JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: { start?: string } }).scripts?.start);
    })
    .sort();
}

/** Starts a service the way production does (its main.ts under the telemetry hook), its output prefixed with its name. */
export function startService(name: string, env: NodeJS.ProcessEnv): RunningService {
  const cwd = join(repoRoot, "services", name);
  const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", "--import", "@hooklog/telemetry/register", "src/main.ts"], {
    cwd,
    env: { ...env, OTEL_SERVICE_NAME: env.OTEL_SERVICE_NAME ?? `hooklog-${name}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, exited };
}

export async function stopService(service: RunningService, graceMs = 15_000): Promise<void> {
  if (service.child.exitCode !== null) return;
  service.child.kill("SIGTERM");
  const timer = setTimeout(() => service.child.kill("SIGKILL"), graceMs);
  await service.exited;
  clearTimeout(timer);
}

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");

export interface ServiceProcess {
  url: string;
  port: number;
  /** The operations port's base URL, for a service that has one apart (ingest: /metrics, /readyz). */
  opsUrl: string;
  /** The service's own process (for its memory, or a signal). */
  pid: number;
  output: () => string;
  /** SIGTERM and wait: the service drains and exits on its own. */
  stop(): Promise<number | null>;
  /** SIGKILL: no drain, no commit — for crash tests. */
  kill(): Promise<void>;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts services/<name> (or the service in `directory`) exactly as production does (its main.ts
 * under the telemetry hook) in a process of its own, and waits until GET /healthz answers on
 * `portVariable`. Services are tested as black boxes this way: no test imports another service's code.
 * The operations port variable beside it (INGEST_PORT → INGEST_OPS_PORT) gets a free port too, so
 * that no two processes meet on a default; services without one ignore it.
 */
export async function startServiceProcess(
  name: string,
  env: Record<string, string>,
  portVariable: string,
  options: { directory?: string } = {},
): Promise<ServiceProcess> {
  // A free port may be taken by another suite's process before the service binds it (two suites run
  // at once): the service then exits saying EADDRINUSE, and is started again on other ports.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnFreePorts(name, env, portVariable, options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

/** A service that exited because a port it was given was taken meanwhile. */
class PortTakenError extends Error {}

async function startOnFreePorts(name: string, env: Record<string, string>, portVariable: string, options: { directory?: string }): Promise<ServiceProcess> {
  const port = await freePort();
  const opsPort = await freePort();
  const opsPortVariable = portVariable.replace(/_PORT$/, "_OPS_PORT");
  const cwd = options.directory ?? join(repoRoot, "services", name);
  const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", "--import", "@hooklog/telemetry/register", "src/main.ts"], {
    cwd,
    env: { ...process.env, LOG_LEVEL: "warn", [opsPortVariable]: String(opsPort), ...env, [portVariable]: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const url = `http://127.0.0.1:${port}`;

  // Generous: under a full test run on two cores a service start (migrations, topics, schemas) can take long.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      const message = `${name} exited (${child.exitCode}) while starting:\n${output}`;
      throw output.includes("EADDRINUSE") ? new PortTakenError(message) : new Error(message);
    }
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not answer /healthz within 120 s:\n${output}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }

  return {
    url,
    port,
    opsUrl: `http://127.0.0.1:${env[opsPortVariable] ?? opsPort}`,
    pid: child.pid as number,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

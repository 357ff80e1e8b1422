// The hub's services as child processes of this run, started the way production starts them
// (testkit's startServiceProcess), each on a free port. A service that dies when no fault killed it
// is written down as an incident and started again, as a supervisor would; its output is kept in
// the run's log folder, one file per process.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServiceProcess, type ServiceProcess } from "@hooklog/testkit";
import type { Teardown } from "./teardown.ts";

export type ServiceName = "ingest" | "fulfillment" | "alerts" | "deployments";
export const SERVICE_NAMES: readonly ServiceName[] = ["ingest", "fulfillment", "alerts", "deployments"];

const PORT_VARIABLE: Record<ServiceName, string> = {
  ingest: "INGEST_PORT",
  fulfillment: "FULFILLMENT_PORT",
  alerts: "ALERTS_PORT",
  deployments: "DEPLOYMENTS_PORT",
};

export interface HubServices {
  /** Where ingest listens now (its last address while it is down). */
  ingestUrl(): string;
  /** The running process of a service, if it runs. */
  pid(name: ServiceName): number | undefined;
  /** SIGKILL: no drain, no commit. */
  kill(name: ServiceName): Promise<void>;
  /** Starts the service and resolves once it answers /healthz. */
  start(name: ServiceName): Promise<void>;
  /** Starts it without waiting; `settled()` waits for it. */
  startInBackground(name: ServiceName): void;
  /** Resolves once no service is starting. */
  settled(): Promise<void>;
  /** Services that exited when no fault asked them to, or could not be started again. */
  incidents(): readonly string[];
}

/** Starts a supervisor makes of a service that exits while starting, before it gives up. */
const START_ATTEMPTS = 5;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone (and reaped: node reaps its children)
  }
};

export async function startHubServices(
  env: Record<ServiceName, Record<string, string>>,
  logDir: string,
  say: (line: string) => void,
  teardown: Teardown,
): Promise<HubServices> {
  const running = new Map<ServiceName, ServiceProcess>();
  const starting = new Map<ServiceName, Promise<void>>();
  /** Services whose start failed and is to be tried again shortly. */
  const retrying = new Set<ServiceName>();
  const generation = new Map<ServiceName, number>();
  /** Services a fault has taken down: the supervisor leaves them alone. */
  const away = new Set<ServiceName>();
  const incidents: string[] = [];
  let stopping = false;
  let lastIngestUrl = "http://127.0.0.1:1";

  const logOf = (name: ServiceName): string => join(logDir, `${name}.${generation.get(name) ?? 0}.log`);

  const start = (name: ServiceName): Promise<void> => {
    const already = starting.get(name);
    if (already) return already;
    generation.set(name, (generation.get(name) ?? 0) + 1);
    const started = performance.now();
    const launch = startServiceProcess(name, env[name], PORT_VARIABLE[name]).then(async (service) => {
      if (stopping) {
        await service.kill();
        writeFileSync(logOf(name), service.output());
        return;
      }
      running.set(name, service);
      away.delete(name);
      if (generation.get(name) !== 1) say(`${name} healthy again, ${((performance.now() - started) / 1000).toFixed(1)} s after its restart`);
    });
    const tracked = launch.finally(() => starting.delete(name));
    starting.set(name, tracked);
    return tracked;
  };

  const kill = async (name: ServiceName): Promise<void> => {
    away.add(name);
    const service = running.get(name);
    running.delete(name);
    if (!service) return;
    await service.kill();
    writeFileSync(logOf(name), service.output());
  };

  const supervisor = setInterval(() => {
    for (const [name, service] of running) {
      if (stopping || away.has(name) || alive(service.pid)) continue;
      running.delete(name);
      writeFileSync(logOf(name), service.output());
      const incident = `${name} (pid ${service.pid}) exited on its own; its output is in ${logOf(name)}`;
      incidents.push(incident);
      say(`INCIDENT ${incident}; starting it again`);
      startInBackground(name);
    }
  }, 1000);
  supervisor.unref();

  // As a supervisor does: a start that fails (the service exits while starting) is tried again, a few times.
  const startInBackground = (name: ServiceName, attempt = 1): void => {
    start(name).catch((error: unknown) => {
      const firstLine = String(error).split("\n").slice(0, 2).join(" ").slice(0, 300);
      incidents.push(`${name} failed to start (attempt ${attempt}): ${firstLine}`);
      say(`INCIDENT ${name} failed to start (attempt ${attempt}): ${firstLine}${attempt < START_ATTEMPTS && !stopping ? "; trying again in 2 s" : ""}`);
      if (attempt >= START_ATTEMPTS || stopping) return;
      retrying.add(name);
      setTimeout(() => {
        retrying.delete(name);
        startInBackground(name, attempt + 1);
      }, 2000);
    });
  };

  const settled = async (): Promise<void> => {
    while (starting.size > 0 || retrying.size > 0) {
      await Promise.allSettled([...starting.values()]);
      if (retrying.size > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const stopAll = async (): Promise<void> => {
    stopping = true;
    clearInterval(supervisor);
    // A service still starting is killed as soon as it is up (see start).
    await settled();
    await Promise.all([...running.keys()].map((name) => kill(name)));
  };

  teardown.add("the services", stopAll);
  // All four start side by side; if one cannot, the run's teardown stops the others once they are up.
  const first = await Promise.allSettled(SERVICE_NAMES.map((name) => start(name)));
  const failed = first.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;

  return {
    ingestUrl: () => {
      lastIngestUrl = running.get("ingest")?.url ?? lastIngestUrl;
      return lastIngestUrl;
    },
    pid: (name) => running.get(name)?.pid,
    kill,
    start,
    startInBackground,
    settled,
    incidents: () => incidents,
  };
}

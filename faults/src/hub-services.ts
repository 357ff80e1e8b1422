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
  /** Where ingest's operations port (/readyz, /metrics) listens now. */
  ingestOpsUrl(): string;
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

/** What the supervisor knows of the run's services, shared by its steps below. */
interface Supervision {
  env: Record<ServiceName, Record<string, string>>;
  logDir: string;
  say: (line: string) => void;
  running: Map<ServiceName, ServiceProcess>;
  starting: Map<ServiceName, Promise<void>>;
  /** Services whose start failed and is to be tried again shortly. */
  retrying: Set<ServiceName>;
  generation: Map<ServiceName, number>;
  /** Services a fault has taken down: the supervisor leaves them alone. */
  away: Set<ServiceName>;
  incidents: string[];
  stopping: boolean;
}

export async function startHubServices(
  env: Record<ServiceName, Record<string, string>>,
  logDir: string,
  say: (line: string) => void,
  teardown: Teardown,
): Promise<HubServices> {
  const supervision: Supervision = {
    env,
    logDir,
    say,
    running: new Map(),
    starting: new Map(),
    retrying: new Set(),
    generation: new Map(),
    away: new Set(),
    incidents: [],
    stopping: false,
  };
  const { running } = supervision;
  let lastIngestUrl = "http://127.0.0.1:1";
  let lastIngestOpsUrl = "http://127.0.0.1:1";

  const supervisor = setInterval(() => restartExited(supervision), 1000);
  supervisor.unref();

  const stopAll = async (): Promise<void> => {
    supervision.stopping = true;
    clearInterval(supervisor);
    // A service still starting is killed as soon as it is up (see startService).
    await settle(supervision);
    await Promise.all([...running.keys()].map((name) => killService(supervision, name)));
  };

  teardown.add("the services", stopAll);
  // All four start side by side; if one cannot, the run's teardown stops the others once they are up.
  const first = await Promise.allSettled(SERVICE_NAMES.map((name) => startService(supervision, name)));
  const failed = first.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;

  return {
    ingestUrl: () => {
      lastIngestUrl = running.get("ingest")?.url ?? lastIngestUrl;
      return lastIngestUrl;
    },
    ingestOpsUrl: () => {
      lastIngestOpsUrl = running.get("ingest")?.opsUrl ?? lastIngestOpsUrl;
      return lastIngestOpsUrl;
    },
    pid: (name) => running.get(name)?.pid,
    kill: (name) => killService(supervision, name),
    start: (name) => startService(supervision, name),
    startInBackground: (name) => startInBackground(supervision, name),
    settled: () => settle(supervision),
    incidents: () => supervision.incidents,
  };
}

const logOf = (s: Supervision, name: ServiceName): string => join(s.logDir, `${name}.${s.generation.get(name) ?? 0}.log`);

/** Starts the service, or joins its start under way; resolves once it answers /healthz. */
function startService(s: Supervision, name: ServiceName): Promise<void> {
  const already = s.starting.get(name);
  if (already) return already;
  s.generation.set(name, (s.generation.get(name) ?? 0) + 1);
  const started = performance.now();
  const launch = startServiceProcess(name, s.env[name], PORT_VARIABLE[name]).then(async (service) => {
    if (s.stopping) {
      await service.kill();
      writeFileSync(logOf(s, name), service.output());
      return;
    }
    s.running.set(name, service);
    s.away.delete(name);
    if (s.generation.get(name) !== 1) s.say(`${name} healthy again, ${((performance.now() - started) / 1000).toFixed(1)} s after its restart`);
  });
  const tracked = launch.finally(() => s.starting.delete(name));
  s.starting.set(name, tracked);
  return tracked;
}

async function killService(s: Supervision, name: ServiceName): Promise<void> {
  s.away.add(name);
  const service = s.running.get(name);
  s.running.delete(name);
  if (!service) return;
  await service.kill();
  writeFileSync(logOf(s, name), service.output());
}

/** The supervisor's round: a service that exited when no fault took it down is an incident, and is started again. */
function restartExited(s: Supervision): void {
  for (const [name, service] of s.running) {
    if (s.stopping || s.away.has(name) || alive(service.pid)) continue;
    s.running.delete(name);
    writeFileSync(logOf(s, name), service.output());
    const incident = `${name} (pid ${service.pid}) exited on its own; its output is in ${logOf(s, name)}`;
    s.incidents.push(incident);
    s.say(`INCIDENT ${incident}; starting it again`);
    startInBackground(s, name);
  }
}

// As a supervisor does: a start that fails (the service exits while starting) is tried again, a few times.
function startInBackground(s: Supervision, name: ServiceName, attempt = 1): void {
  startService(s, name).catch((error: unknown) => {
    const firstLine = String(error).split("\n").slice(0, 2).join(" ").slice(0, 300);
    s.incidents.push(`${name} failed to start (attempt ${attempt}): ${firstLine}`);
    s.say(`INCIDENT ${name} failed to start (attempt ${attempt}): ${firstLine}${attempt < START_ATTEMPTS && !s.stopping ? "; trying again in 2 s" : ""}`);
    if (attempt >= START_ATTEMPTS || s.stopping) return;
    s.retrying.add(name);
    setTimeout(() => {
      s.retrying.delete(name);
      startInBackground(s, name, attempt + 1);
    }, 2000);
  });
}

/** Resolves once no service is starting or waiting to be tried again. */
async function settle(s: Supervision): Promise<void> {
  while (s.starting.size > 0 || s.retrying.size > 0) {
    await Promise.allSettled([...s.starting.values()]);
    if (s.retrying.size > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// This run's own Kafka, registry and embedded Postgres: infra's start functions, a state directory
// and free ports of its own, and every daemon held as an OwnProcess, so a fault or the teardown can
// only ever signal what this run started.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError, startKafka, startPostgres, startRegistry, status, up } from "@hooklog/infra";
import { freePort } from "@hooklog/testkit";
import { OwnProcess } from "./own-process.ts";
import { unpackEmptyRegistryFolders } from "./registry-unpack.ts";
import type { Teardown } from "./teardown.ts";

export interface OwnStack {
  stateDir: string;
  kafkaBrokers: string;
  /** The registry itself; the services reach it through a relay. */
  registryUrl: string;
  databaseUrl: string;
  kafka(): OwnProcess;
  registry(): OwnProcess;
  /** Starts Kafka again (after a kill) and waits until it answers. */
  restartKafka(): Promise<void>;
  restartRegistry(): Promise<void>;
  /** A clean shutdown of the embedded Postgres (the daemon stops its server). */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
}

/** Settings of the shared stack that a parent (npm test) may pass down: this run must not follow them. */
const SHARED_STACK_VARIABLES = ["KAFKA_BROKERS", "SCHEMA_REGISTRY_URL", "DATABASE_URL"] as const;

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function pidFromFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function untilReady(component: "kafka" | "registry", timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // infra names the entry "kafka", or "kafka (3 brokers)" for its cluster layout.
  while (!(await status()).find((entry) => entry.name.startsWith(component))?.ready) {
    if (Date.now() > deadline) throw new Error(`${component} of this run's stack is not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Its teardown joins `teardown` before anything starts: whatever of the stack runs is stopped, even after a failed start. */
export async function startOwnStack(stateDir: string, teardown: Teardown): Promise<OwnStack> {
  const [kafkaPort, controllerPort, registryPort, managementPort, postgresPort] = await distinctFreePorts(5);
  // infra reads its settings from process.env (stateDir() takes no argument), so from here on this
  // process speaks for the run's stack. Apicurio's management interface defaults to 0.0.0.0:9000,
  // which the shared registry holds already.
  for (const name of SHARED_STACK_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    HOOKLOG_STATE_DIR: stateDir,
    // One broker, whatever the shared stack runs: a Kafka fault here is a fault of the broker.
    HOOKLOG_KAFKA_BROKERS: "1",
    HOOKLOG_KAFKA_PORT: String(kafkaPort),
    HOOKLOG_KAFKA_CONTROLLER_PORT: String(controllerPort),
    HOOKLOG_REGISTRY_PORT: String(registryPort),
    HOOKLOG_EMBEDDED_POSTGRES: "1",
    HOOKLOG_EMBEDDED_POSTGRES_PORT: String(postgresPort),
    QUARKUS_MANAGEMENT_HOST: "127.0.0.1",
    QUARKUS_MANAGEMENT_PORT: String(managementPort),
  });

  const adopt = (name: string, file: string): OwnProcess | undefined => {
    const pid = pidFromFile(join(stateDir, file));
    if (pid === undefined) return undefined;
    try {
      return OwnProcess.adopt(name, pid, stateDir);
    } catch {
      return undefined; // a pid file of a daemon that has exited: nothing of ours to hold
    }
  };
  const held: { kafka?: OwnProcess; registry?: OwnProcess; postgres?: OwnProcess; postmaster?: OwnProcess } = {};
  const adoptAll = (): void => {
    held.kafka = adopt("kafka", "run/kafka.pid") ?? held.kafka;
    held.registry = adopt("registry", "run/registry.pid") ?? held.registry;
    held.postgres = adopt("postgres daemon", "run/postgres.pid") ?? held.postgres;
    held.postmaster = adopt("postgres", "postgres/data/postmaster.pid") ?? held.postmaster;
  };
  const required = (name: "kafka" | "registry"): OwnProcess => {
    const daemon = held[name];
    if (!daemon) throw new Error(`this run's ${name} is not running`);
    return daemon;
  };

  teardown.add("the stack", async () => {
    adoptAll();
    // The data goes with the run: no need to wait for a controlled broker shutdown.
    await Promise.all([held.registry?.stop(5000), held.kafka?.stop(5000)]);
    await held.postgres?.stop(15_000);
    await held.postmaster?.stop(10_000);
  });

  const endpoints = await up().catch(async (error: unknown) => {
    if (!(error instanceof InfraError) || error.code !== "REGISTRY_INSTALL_INCOMPLETE") throw error;
    if (!(await unpackEmptyRegistryFolders(stateDir))) throw error;
    // Kafka went on starting while the registry failed; up() is idempotent and picks it up.
    return up();
  });
  await Promise.all([untilReady("kafka", 90_000), untilReady("registry", 120_000)]);
  adoptAll();
  required("kafka");
  required("registry");

  return {
    stateDir,
    kafkaBrokers: endpoints.endpoints.kafkaBrokers,
    registryUrl: endpoints.endpoints.schemaRegistryUrl,
    databaseUrl: endpoints.endpoints.databaseUrl,
    kafka: () => required("kafka"),
    registry: () => required("registry"),
    async restartKafka() {
      await startKafka();
      adoptAll();
    },
    async restartRegistry() {
      const { endpoint } = await startPostgres(process.env);
      await startRegistry(endpoint);
      adoptAll();
    },
    async stopPostgres() {
      adoptAll();
      await held.postgres?.stop(30_000);
      await held.postmaster?.stop(10_000);
    },
    async startPostgres() {
      await startPostgres(process.env);
      adoptAll();
    },
  };
}

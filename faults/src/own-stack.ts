// This run's own Kafka, registry and embedded Postgres: infra's start functions, a state directory
// and free ports of its own, and every daemon held as an OwnProcess, so a fault or the teardown can
// only ever signal what this run started.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError, kafkaNodes, kafkaSettings, startKafka, startPostgres, startRegistry, status, up } from "@hooklog/infra";
import { freePort } from "@hooklog/testkit";
import { OwnProcess } from "./own-process.ts";
import { freePortRun } from "./port-run.ts";
import { unpackEmptyRegistryFolders } from "./registry-unpack.ts";
import type { Teardown } from "./teardown.ts";

/** One broker, or infra's three-broker KRaft cluster (HOOKLOG_KAFKA_BROKERS). */
export type BrokerCount = 1 | 3;

export interface OwnStack {
  stateDir: string;
  brokerCount: BrokerCount;
  kafkaBrokers: string;
  /** The registry itself; the services reach it through a relay. */
  registryUrl: string;
  databaseUrl: string;
  /** Every Kafka node of the run, in node id order (one, or three); throws if one is not running. */
  kafka(): OwnProcess[];
  /** The run's Kafka nodes by KRaft node id (1, or 1 to 3) and each one's own bootstrap address. */
  kafkaNodeAddresses: ReadonlyArray<{ id: number; address: string }>;
  /** The Kafka node with this node id. */
  kafkaNode(id: number): OwnProcess;
  registry(): OwnProcess;
  /** Starts the Kafka nodes that are not running (after a kill) and waits until the cluster answers with all of them. */
  restartKafka(): Promise<void>;
  restartRegistry(): Promise<void>;
  /** A clean shutdown of the embedded Postgres (the daemon stops its server). */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
}

/** Settings of the shared stack that a parent (npm test) may pass down: this run must not follow them. */
const SHARED_STACK_VARIABLES = ["KAFKA_BROKERS", "SCHEMA_REGISTRY_URL", "DATABASE_URL"] as const;

/** `count` different free ports, none of them in `avoid`. */
async function distinctFreePorts(count: number, avoid: readonly number[]): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (!avoid.includes(port)) ports.add(port);
  }
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

/**
 * Kafka's ports: one broker takes two free ports anywhere; infra's cluster of three takes six adjacent
 * ones (brokers on port, port+2, port+4, each controller one above), so the other daemons' ports are
 * drawn outside that run.
 */
async function kafkaPorts(brokers: BrokerCount): Promise<{ variables: Record<string, string>; taken: number[] }> {
  if (brokers === 1) {
    const [port, controllerPort] = await distinctFreePorts(2, []);
    return {
      variables: { HOOKLOG_KAFKA_PORT: String(port), HOOKLOG_KAFKA_CONTROLLER_PORT: String(controllerPort) },
      taken: [port as number, controllerPort as number],
    };
  }
  const base = await freePortRun(6);
  return { variables: { HOOKLOG_KAFKA_PORT: String(base) }, taken: Array.from({ length: 6 }, (_, offset) => base + offset) };
}

/**
 * infra reads its settings from process.env (stateDir() takes no argument), so from here on this
 * process speaks for the run's stack. Apicurio's management interface defaults to 0.0.0.0:9000,
 * which the shared registry holds already.
 */
async function pointInfraAtRun(stateDir: string, brokerCount: BrokerCount): Promise<void> {
  const kafkaPortsOfRun = await kafkaPorts(brokerCount);
  const [registryPort, managementPort, postgresPort] = await distinctFreePorts(3, kafkaPortsOfRun.taken);
  for (const name of SHARED_STACK_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    HOOKLOG_STATE_DIR: stateDir,
    // As many brokers as the run asked for, whatever the shared stack runs: a Kafka fault here is a fault of this run's brokers.
    HOOKLOG_KAFKA_BROKERS: String(brokerCount),
    ...kafkaPortsOfRun.variables,
    HOOKLOG_REGISTRY_PORT: String(registryPort),
    HOOKLOG_EMBEDDED_POSTGRES: "1",
    HOOKLOG_EMBEDDED_POSTGRES_PORT: String(postgresPort),
    QUARKUS_MANAGEMENT_HOST: "127.0.0.1",
    QUARKUS_MANAGEMENT_PORT: String(managementPort),
    // No trace backend: a fault run counts events, and a Zipkin of its own would outlive its teardown.
    HOOKLOG_ZIPKIN: "0",
  });
}

type KafkaNode = ReturnType<typeof kafkaNodes>[number];

/** The run's daemons as OwnProcesses, adopted from infra's pid files again after every start. */
interface HeldDaemons {
  kafka: Map<number, OwnProcess>;
  registry?: OwnProcess;
  postgres?: OwnProcess;
  postmaster?: OwnProcess;
  /** Adopts whatever of the stack runs now (a daemon that is not running keeps its last hold). */
  adoptAll(): void;
  /** The registry; throws if it is not running. */
  registryProcess(): OwnProcess;
  /** The Kafka node with this node id; throws if it is not running. */
  kafkaNode(id: number): OwnProcess;
}

function holdDaemons(stateDir: string, nodes: readonly KafkaNode[]): HeldDaemons {
  const adopt = (name: string, file: string): OwnProcess | undefined => {
    const pid = pidFromFile(join(stateDir, file));
    if (pid === undefined) return undefined;
    try {
      return OwnProcess.adopt(name, pid, stateDir);
    } catch {
      return undefined; // a pid file of a daemon that has exited: nothing of ours to hold
    }
  };
  const held: HeldDaemons = {
    kafka: new Map(),
    adoptAll() {
      for (const node of nodes) {
        const adopted = adopt(node.name, `run/${node.name}.pid`);
        if (adopted) held.kafka.set(node.id, adopted);
      }
      held.registry = adopt("registry", "run/registry.pid") ?? held.registry;
      held.postgres = adopt("postgres daemon", "run/postgres.pid") ?? held.postgres;
      held.postmaster = adopt("postgres", "postgres/data/postmaster.pid") ?? held.postmaster;
    },
    registryProcess() {
      if (!held.registry) throw new Error("this run's registry is not running");
      return held.registry;
    },
    kafkaNode(id) {
      const daemon = held.kafka.get(id);
      if (!daemon) throw new Error(`this run's Kafka node ${id} is not running`);
      return daemon;
    },
  };
  return held;
}

/** infra's up(), once more after unpacking a registry install that came out with empty folders. */
function upUnpackingRegistry(stateDir: string): ReturnType<typeof up> {
  return up().catch(async (error: unknown) => {
    if (!(error instanceof InfraError) || error.code !== "REGISTRY_INSTALL_INCOMPLETE") throw error;
    if (!(await unpackEmptyRegistryFolders(stateDir))) throw error;
    // Kafka went on starting while the registry failed; up() is idempotent and picks it up.
    return up();
  });
}

/** Its teardown joins `teardown` before anything starts: whatever of the stack runs is stopped, even after a failed start. */
export async function startOwnStack(stateDir: string, brokerCount: BrokerCount, teardown: Teardown): Promise<OwnStack> {
  await pointInfraAtRun(stateDir, brokerCount);
  // infra's names for the nodes: "kafka" alone, or "kafka-1" ... "kafka-3", each with its pid file run/<name>.pid.
  const nodes = kafkaNodes(kafkaSettings());
  const held = holdDaemons(stateDir, nodes);
  const { adoptAll, kafkaNode } = held;

  teardown.add("the stack", async () => {
    adoptAll();
    // The data goes with the run: no need to wait for a controlled broker shutdown.
    await Promise.all([held.registry?.stop(5000), ...[...held.kafka.values()].map((node) => node.stop(5000))]);
    await held.postgres?.stop(15_000);
    await held.postmaster?.stop(10_000);
  });

  const endpoints = await upUnpackingRegistry(stateDir);
  await Promise.all([untilReady("kafka", 90_000), untilReady("registry", 120_000)]);
  adoptAll();
  for (const node of nodes) kafkaNode(node.id);
  held.registryProcess();

  return {
    stateDir,
    brokerCount,
    kafkaBrokers: endpoints.endpoints.kafkaBrokers,
    registryUrl: endpoints.endpoints.schemaRegistryUrl,
    databaseUrl: endpoints.endpoints.databaseUrl,
    kafka: () => nodes.map((node) => kafkaNode(node.id)),
    kafkaNodeAddresses: nodes.map((node) => ({ id: node.id, address: `127.0.0.1:${node.port}` })),
    kafkaNode,
    registry: () => held.registryProcess(),
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

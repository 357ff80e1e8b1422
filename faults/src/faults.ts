// The faults, in the order a run injects them. Each is put in place, held for --fault-seconds, and
// taken away; the run then watches the recovery. Every signal goes to a process of this run only.
import type { HubServices, ServiceName } from "./hub-services.ts";
import { untilMidBatch } from "./mid-batch.ts";
import type { OwnStack } from "./own-stack.ts";
import type { TcpRelay } from "@hooklog/testkit";

export interface FaultContext {
  stack: OwnStack;
  relay: TcpRelay;
  services: HubServices;
}

export interface Injected {
  what: string;
  /** Epoch ms just before the kill, stop or switch. */
  at: number;
}

export interface Fault {
  name: string;
  description: string;
  /** Puts the fault in place; says what it did (for the progress line) and when the signal went. */
  inject(context: FaultContext): Promise<Injected>;
  /** Takes it away (restarts what was killed); returns what it did. */
  restore(context: FaultContext): Promise<string>;
}

const timed = async (work: () => Promise<unknown>): Promise<string> => {
  const started = performance.now();
  await work();
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
};

/** How long a consumer kill waits for a batch to be under way before it kills anyway. */
const MID_BATCH_WAIT_MS = 15_000;

function consumerKill(name: Exclude<ServiceName, "ingest">): Fault {
  return {
    name: `${name}-kill`,
    description: `SIGKILL of ${name} in the middle of a batch (a transaction of its open), then a restart`,
    async inject({ stack, services }) {
      const midBatch = await untilMidBatch(stack.databaseUrl, `hooklog-${name}`, MID_BATCH_WAIT_MS);
      const pid = services.pid(name);
      const at = Date.now();
      await services.kill(name);
      return { what: `SIGKILL ${name} pid ${pid} ${midBatch ? "with a batch transaction open" : `(no batch seen in ${MID_BATCH_WAIT_MS / 1000} s)`}`, at };
    },
    // Not awaited: the new member is healthy only once its group has rebalanced, which waits out the
    // killed member's session; the load, and the next fault, go on meanwhile.
    async restore({ services }) {
      services.startInBackground(name);
      return `${name} starting again`;
    },
  };
}

export const FAULTS: readonly Fault[] = [
  {
    name: "kafka-kill",
    description: "SIGKILL of Kafka, then a restart",
    async inject({ stack }) {
      const kafka = stack.kafka();
      const at = Date.now();
      await kafka.kill();
      return { what: `SIGKILL kafka pid ${kafka.pid}`, at };
    },
    async restore({ stack }) {
      return `kafka started again and ready in ${await timed(() => stack.restartKafka())}`;
    },
  },
  {
    name: "registry-kill",
    description: "SIGKILL of the schema registry, then a restart",
    async inject({ stack }) {
      const registry = stack.registry();
      const at = Date.now();
      await registry.kill();
      return { what: `SIGKILL registry pid ${registry.pid}`, at };
    },
    async restore({ stack }) {
      return `registry started again and ready in ${await timed(() => stack.restartRegistry())}`;
    },
  },
  {
    name: "registry-hang",
    description: "the registry takes connections and never answers (the relay in front of it drops every byte)",
    async inject({ relay }) {
      const at = Date.now();
      await relay.set("hang");
      return { what: "relay to the registry hangs", at };
    },
    async restore({ relay }) {
      await relay.set("forward");
      return "relay forwards again";
    },
  },
  {
    name: "kafka-blackhole",
    description: "Kafka black-holed: SIGSTOP (connections are taken, nothing is answered), then SIGCONT",
    async inject({ stack }) {
      const kafka = stack.kafka();
      const at = Date.now();
      kafka.signal("SIGSTOP");
      return { what: `SIGSTOP kafka pid ${kafka.pid}`, at };
    },
    async restore({ stack }) {
      stack.kafka().signal("SIGCONT");
      return "SIGCONT kafka";
    },
  },
  {
    name: "ingest-kill",
    description: "SIGKILL of ingest, then a restart",
    async inject({ services }) {
      const pid = services.pid("ingest");
      const at = Date.now();
      await services.kill("ingest");
      return { what: `SIGKILL ingest pid ${pid}`, at };
    },
    async restore({ services }) {
      return `ingest started again in ${await timed(() => services.start("ingest"))}`;
    },
  },
  consumerKill("fulfillment"),
  consumerKill("alerts"),
  consumerKill("deployments"),
  {
    name: "postgres-restart",
    description: "a restart of Postgres (fast shutdown: sessions cut, then started again)",
    async inject({ stack }) {
      const at = Date.now();
      return { what: `postgres stopped in ${await timed(() => stack.stopPostgres())}`, at };
    },
    async restore({ stack }) {
      return `postgres started again in ${await timed(() => stack.startPostgres())}`;
    },
  },
];

export const FAULT_NAMES: readonly string[] = FAULTS.map((fault) => fault.name);

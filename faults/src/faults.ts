// The catalogue: the faults of a run on one broker or on three, in the order a run injects them.
import { timed, type Fault } from "./fault.ts";
import type { ServiceName } from "./hub-services.ts";
import { kafkaFaults } from "./kafka-faults.ts";
import { untilMidBatch } from "./mid-batch.ts";
import type { BrokerCount } from "./own-stack.ts";

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

const registryKill: Fault = {
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
};

const registryHang: Fault = {
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
};

const ingestKill: Fault = {
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
};

const postgresRestart: Fault = {
  name: "postgres-restart",
  description: "a restart of Postgres (fast shutdown: sessions cut, then started again)",
  async inject({ stack }) {
    const at = Date.now();
    return { what: `postgres stopped in ${await timed(() => stack.stopPostgres())}`, at };
  },
  async restore({ stack }) {
    return `postgres started again in ${await timed(() => stack.startPostgres())}`;
  },
};

/** The faults of a run on `brokers` brokers: the Kafka ones are the cluster's on three (see kafka-faults.ts). */
export function faultCatalogue(brokers: BrokerCount): readonly Fault[] {
  const kafka = kafkaFaults(brokers);
  return [
    ...kafka.kill,
    registryKill,
    registryHang,
    kafka.blackhole,
    ingestKill,
    consumerKill("fulfillment"),
    consumerKill("alerts"),
    consumerKill("deployments"),
    postgresRestart,
  ];
}

export const faultNames = (brokers: BrokerCount): string[] => faultCatalogue(brokers).map((fault) => fault.name);

/** The one-broker catalogue's names: npm test's short run injects them all. */
export const FAULT_NAMES: readonly string[] = faultNames(1);

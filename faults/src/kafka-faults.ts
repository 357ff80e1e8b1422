// The Kafka faults. On one broker: the broker killed, or black-holed. On three (RF 3, min ISR 2):
// the whole cluster killed or black-holed, the busiest partition's leader killed (writes go on once
// another replica leads), and two brokers killed at once (one copy left: nothing may be acknowledged).
import type { BusiestPartition, KafkaNodeAddress } from "./cluster-view.ts";
import { timed, type Fault, type FaultContext, type Injected } from "./fault.ts";
import type { BrokerCount } from "./own-stack.ts";
import type { OwnProcess } from "./own-process.ts";

/** How long a restore waits for restarted brokers to be back in every ISR before it reports them out and lets the run go on. */
const IN_SYNC_WAIT_MS = 180_000;

const named = (nodes: readonly OwnProcess[]): string => nodes.map((node) => `${node.name} pid ${node.pid}`).join(", ");
const describePartition = (busiest: BusiestPartition): string =>
  `${busiest.topic}/${busiest.partition}, the busiest partition (+${busiest.growth} records in 2 s, ${busiest.messages} in all)`;

/** The run's nodes with these ids (all of them when `ids` is undefined). */
const nodesOf = ({ stack }: FaultContext, ids?: readonly number[]): KafkaNodeAddress[] =>
  stack.kafkaNodeAddresses.filter((node) => ids === undefined || ids.includes(node.id));

/** Starts the killed nodes again and, on three brokers, waits until they are back in every ISR, so the next fault starts from a healthy cluster. */
async function restartKafka(context: FaultContext, ids?: readonly number[]): Promise<string> {
  const restarted = `kafka started again and ready in ${await timed(() => context.stack.restartKafka())}`;
  if (context.stack.brokerCount === 1) return restarted;
  const nodes = nodesOf(context, ids);
  return `${restarted}; node(s) ${nodes.map((node) => node.id).join(", ")} ${await context.cluster.untilInSync(nodes, IN_SYNC_WAIT_MS)}`;
}

function wholeKafkaKill(brokers: BrokerCount): Fault {
  return {
    name: "kafka-kill",
    description: brokers === 1 ? "SIGKILL of Kafka, then a restart" : "SIGKILL of all three brokers at once (the cluster gone), then a restart",
    async inject({ stack }) {
      const nodes = stack.kafka();
      const at = Date.now();
      await Promise.all(nodes.map((node) => node.kill()));
      return { what: `SIGKILL ${named(nodes)}`, at, ...(brokers === 3 && { belowMinIsrFrom: Date.now() }) };
    },
    restore: (context) => restartKafka(context),
  };
}

function wholeKafkaBlackhole(brokers: BrokerCount): Fault {
  return {
    name: "kafka-blackhole",
    description: `${brokers === 1 ? "Kafka" : "all three brokers"} black-holed: SIGSTOP (connections are taken, nothing is answered), then SIGCONT`,
    async inject({ stack }) {
      const nodes = stack.kafka();
      const at = Date.now();
      for (const node of nodes) node.signal("SIGSTOP");
      return { what: `SIGSTOP ${named(nodes)}`, at, ...(brokers === 3 && { belowMinIsrFrom: Date.now() }) };
    },
    async restore(context) {
      for (const node of context.stack.kafka()) node.signal("SIGCONT");
      if (brokers === 1) return "SIGCONT kafka";
      return `SIGCONT of every broker; ${await context.cluster.untilInSync(nodesOf(context), IN_SYNC_WAIT_MS)}`;
    },
  };
}

/**
 * SIGKILL of `count` brokers, the leader of the busiest source partition first and then its other
 * replicas, so that partition is left with 3 - count copies; restored by restarting them.
 */
function brokersKill(name: string, description: string, count: 1 | 2): Fault {
  let killed: number[] = [];
  return {
    name,
    description,
    async inject({ stack, cluster }): Promise<Injected> {
      const busiest = await cluster.busiestSourcePartition();
      killed = [busiest.leader, ...busiest.followers].slice(0, count);
      const nodes = killed.map((id) => stack.kafkaNode(id));
      const at = Date.now();
      // Each kill() sends its signal before it waits: both brokers get SIGKILL in the same tick.
      await Promise.all(nodes.map((node) => node.kill()));
      const what = `SIGKILL ${named(nodes)} (${count === 1 ? "leader" : "leader and a follower"} of ${describePartition(busiest)})`;
      return count === 1 ? { what, at } : { what, at, belowMinIsrFrom: Date.now() };
    },
    restore: (context) => restartKafka(context, killed),
  };
}

/** Kafka's faults for a run on `brokers` brokers, in the order a run injects them. */
export function kafkaFaults(brokers: BrokerCount): { kill: Fault[]; blackhole: Fault } {
  if (brokers === 1) return { kill: [wholeKafkaKill(1)], blackhole: wholeKafkaBlackhole(1) };
  return {
    kill: [
      wholeKafkaKill(3),
      brokersKill("leader-kill", "SIGKILL of the leader of the busiest source partition under load, then a restart, until it is back in the ISR", 1),
      brokersKill(
        "two-brokers-kill",
        "SIGKILL of two brokers at once (one copy left, below min ISR 2: ingest must answer 503, never 2xx), then both restarted",
        2,
      ),
    ],
    blackhole: wholeKafkaBlackhole(3),
  };
}

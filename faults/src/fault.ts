// What a fault is: put in place, held for --fault-seconds, taken away; the run then watches the
// recovery. Every signal goes to a process of this run only.
import type { TcpRelay } from "@hooklog/testkit";
import type { ClusterView } from "./cluster-view.ts";
import type { HubServices } from "./hub-services.ts";
import type { OwnStack } from "./own-stack.ts";

export interface FaultContext {
  stack: OwnStack;
  relay: TcpRelay;
  services: HubServices;
  /** The admin client's view of the brokers: leaders, ISRs (asked by the three-broker faults only). */
  cluster: ClusterView;
}

export interface Injected {
  what: string;
  /** Epoch ms just before the kill, stop or switch. */
  at: number;
  /**
   * Epoch ms once fewer brokers than min.insync.replicas run (all but one killed or stopped): from
   * then until the restart Kafka cannot acknowledge a write, so ingest must not answer 2xx to a
   * request sent in that time. Undefined for faults that leave enough brokers.
   */
  belowMinIsrFrom?: number;
}

export interface Fault {
  name: string;
  description: string;
  /** Puts the fault in place; says what it did (for the progress line) and when the signal went. */
  inject(context: FaultContext): Promise<Injected>;
  /** Takes it away (restarts what was killed); returns what it did. */
  restore(context: FaultContext): Promise<string>;
}

/** How long `work` took, as "1.2 s". */
export const timed = async (work: () => Promise<unknown>): Promise<string> => {
  const started = performance.now();
  await work();
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
};

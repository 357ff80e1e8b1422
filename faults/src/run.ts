// One faults run: the hub up, a baseline, each fault with its recovery under a steady load, then the
// catch-up and the audit of Kafka and of every effect. Whatever happens, everything it started is
// stopped, and the state directory goes with the run (its logs stay when something failed).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@hooklog/infra";
import { uniqueName } from "@hooklog/testkit";
import { DeliveryLog } from "./delivery-log.ts";
import { EventLoopStalls } from "./event-loop-stalls.ts";
import { EventMix } from "./event-mix.ts";
import { ClusterView } from "./cluster-view.ts";
import type { FaultContext } from "./fault.ts";
import { faultCatalogue } from "./faults.ts";
import { startHub, type Hub } from "./hub-setup.ts";
import { PeakMemory } from "./ingest-memory.ts";
import { eventsInKafka } from "./kafka-audit.ts";
import { Load } from "./load.ts";
import type { FaultsOptions } from "./options.ts";
import type { BrokerCount } from "./own-stack.ts";
import { Poster } from "./poster.ts";
import { formatTable } from "./table.ts";
import { Teardown } from "./teardown.ts";
import { awaitEffects, phaseReporter, runFailures, runNotes, seconds, sleep } from "./run-steps.ts";
import { judge, type PhaseWindow, type Verdict } from "./verdict.ts";

export interface FaultsRun {
  verdict: Verdict;
  table: string;
  /** What makes the run fail: lost, 2xx while fewer brokers than min ISR ran, doubled, missing, contract-breaking answers, topics not replicated as declared. */
  failures: string[];
  /** Worth reading, not a failure: services that died on their own, repeated pages, copies in Kafka, gave-up deliveries. */
  notes: string[];
  stateDir: string;
  seconds: number;
}

const MIB = 1024 * 1024;
/** Large deliveries per phase, 1.1, 1.25 and 1.4 MiB: above Kafka's default 1 MiB record and ingest's batch byte limit. */
const LARGE_PER_PHASE = 3;

async function untilIngestReady(url: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(`${url()}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`ingest did not answer /readyz 200 within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Deletes the run's state, or all of it but the logs when the run failed; nothing with --keep-state. */
function clearState(stateDir: string, keepState: boolean, failed: boolean): string {
  if (keepState) return `state kept in ${stateDir}`;
  if (!existsSync(stateDir)) return "no state written";
  if (!failed) {
    rmSync(stateDir, { recursive: true, force: true });
    return "state removed";
  }
  for (const entry of readdirSync(stateDir)) if (entry !== "logs") rmSync(join(stateDir, entry), { recursive: true, force: true });
  return `the run failed: its logs are kept in ${join(stateDir, "logs")}`;
}

/** On SIGINT or SIGTERM: everything the run started is stopped, its state cleared, and the process ends (130). Returns the unsubscriber. */
function stopEverythingOnSignals(teardown: Teardown, clear: () => void, say: (line: string) => void): () => void {
  const interrupted = (signal: NodeJS.Signals): void => {
    say(`${signal}: stopping everything this run started`);
    void teardown.run(say).finally(() => {
      clear();
      process.exit(130);
    });
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  return () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  };
}

/**
 * The hub up and ingest ready. The services have declared their retry, dead-letter and domain topics
 * by then: on three brokers each must keep three copies and need two, or a 2xx of this run would
 * promise less than it says. `replication` asks again (at the end of the run).
 */
async function startCheckedHub(stateDir: string, brokers: BrokerCount, say: (line: string) => void, teardown: Teardown) {
  const hub: Hub = await startHub(stateDir, brokers, say, teardown);
  await untilIngestReady(() => hub.services.ingestOpsUrl(), 60_000);
  const cluster = new ClusterView(hub.stack.kafkaBrokers, hub.topics);
  const replication = async (): Promise<string[]> => (brokers === 3 ? cluster.replicationProblems(3, 2) : []);
  const replicatedAtStart = await replication();
  if (replicatedAtStart.length > 0) throw new Error(`topics of the three-broker run are not replicated as declared: ${replicatedAtStart.join("; ")}`);
  if (brokers === 3) say("every topic keeps three copies and needs two in sync (min.insync.replicas 2)");
  return { hub, cluster, replication };
}

/** No new events; redeliveries and retries run out, and the services settle. */
async function catchUpPhase(
  catchUpMs: number,
  run: { load: Load; services: Hub["services"]; windows: PhaseWindow[]; report: (window: PhaseWindow, detail: string) => void },
): Promise<void> {
  run.load.stopNewEvents();
  const catchUp: PhaseWindow = { name: "catch-up", startedAt: Date.now(), faultEndedAt: undefined, endedAt: 0 };
  run.windows.push(catchUp);
  const open = await run.load.drained(catchUpMs);
  await run.services.settled();
  catchUp.endedAt = Date.now();
  const still = open > 0 ? ` (${open} still open)` : "";
  run.report(catchUp, `load stopped; redeliveries and retries done in ${seconds(catchUp.endedAt - catchUp.startedAt)}${still}; `);
}

/** The signed load every phase runs under: each event delivered until answered 2xx, as providers redeliver. */
function steadyLoad(options: FaultsOptions, run: { hub: Hub; log: DeliveryLog; poster: Poster; phase: () => string }): Load {
  return new Load({
    rate: options.rate,
    mix: new EventMix(run.hub.secrets),
    log: run.log,
    poster: run.poster,
    target: () => run.hub.services.ingestUrl(),
    phase: run.phase,
    redeliverAfterMs: { min: 1000, max: Math.max(2000, (options.recoverySeconds * 1000) / 2) },
    maxAttempts: 10,
  });
}

/** The baseline, then each chosen fault: injected, held, restored, and given its recovery, all under the load. */
async function runPhases(
  options: FaultsOptions,
  brokers: BrokerCount,
  run: { load: Load; context: FaultContext; windows: PhaseWindow[]; report: (window: PhaseWindow, detail: string) => void; enter: (phase: string) => void },
): Promise<void> {
  const { load, context, windows, report, enter } = run;
  load.start();
  enter("baseline");
  const largeSizes = Array.from({ length: LARGE_PER_PHASE }, (_, index) => Math.round((1.1 + 0.15 * index) * MIB));
  const sendLarge = (): void => load.sendLarge(largeSizes, (options.faultSeconds + options.recoverySeconds) * 1000);
  const baseline: PhaseWindow = { name: "baseline", startedAt: Date.now(), faultEndedAt: undefined, endedAt: 0 };
  sendLarge();
  await sleep(options.recoverySeconds * 1000);
  baseline.endedAt = Date.now();
  windows.push(baseline);
  report(baseline, "no fault; ");

  for (const fault of faultCatalogue(brokers).filter((each) => options.only.includes(each.name))) {
    enter(fault.name);
    const window: PhaseWindow = { name: fault.name, startedAt: Date.now(), faultEndedAt: undefined, endedAt: 0 };
    windows.push(window);
    sendLarge();
    const injected = await fault.inject(context);
    window.injectedAt = injected.at;
    await sleep(options.faultSeconds * 1000);
    window.faultEndedAt = Date.now();
    if (injected.belowMinIsrFrom !== undefined) window.belowMinIsr = { from: injected.belowMinIsrFrom, until: window.faultEndedAt };
    const restored = await fault.restore(context);
    // The recovery period counts from the fault's end; a slow restart eats into it, but a little load follows it always.
    await sleep(Math.max(2000, window.faultEndedAt + options.recoverySeconds * 1000 - Date.now()));
    window.endedAt = Date.now();
    report(window, `${injected.what} at ${new Date(injected.at).toISOString().slice(11, 23)}; held ${options.faultSeconds} s; ${restored}; `);
  }
}

export async function runFaults(options: FaultsOptions, say: (line: string) => void): Promise<FaultsRun> {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  // A folder of its own under the state directory: never the shared stack's pid files or data.
  const stateDir = join(process.env.HOOKLOG_STATE_DIR ?? join(repoRoot, ".hooklog"), "faults", uniqueName("run"));
  const brokers = options.brokers ?? 1;
  say(
    `run state in ${stateDir}; ${brokers === 1 ? "one broker" : `${brokers} brokers`}; rate ${options.rate}/s, faults ${options.only.join(", ")}, ${options.faultSeconds} s each, ${options.recoverySeconds} s recovery`,
  );
  const teardown = new Teardown();
  let failed = true;
  const stopListening = stopEverythingOnSignals(teardown, () => say(clearState(stateDir, options.keepState, true)), say);
  const poster = new Poster(20_000);
  let memory: PeakMemory | undefined;
  const stalls = new EventLoopStalls();
  try {
    const { hub, cluster, replication } = await startCheckedHub(stateDir, brokers, say, teardown);
    const { services, stack, standIns } = hub;

    const log = new DeliveryLog();
    // The phase under way: the load tags each post with it, and ingest's peak memory is kept per phase.
    let phase = "baseline";
    const enter = (name: string): void => {
      phase = name;
      stalls.enter(name);
    };
    const load = steadyLoad(options, { hub, log, poster, phase: () => phase });
    memory = new PeakMemory(
      () => services.pid("ingest"),
      () => phase,
    );
    const windows: PhaseWindow[] = [];
    const context: FaultContext = { stack, relay: hub.relay, services, cluster };
    const report = phaseReporter(log, say);

    await runPhases(options, brokers, { load, context, windows, report, enter });

    enter("catch-up");
    // Longer than a consumer restarted last takes to rejoin its group (the killed member's 30 s session).
    const catchUpMs = Math.max(90, 3 * options.recoverySeconds) * 1000;
    await catchUpPhase(catchUpMs, { load, services, windows, report });

    const registryFailures: string[] = [];
    const kafka = await eventsInKafka(stack.kafkaBrokers, stack.registryUrl, hub.topics, 120_000, (error) => registryFailures.push(error.message));
    const expected = [...log.events.values()].filter((record) => kafka.has(record.event.key)).flatMap((record) => record.event.effects);
    say(`kafka: ${kafka.size} events in ${hub.topics.join(", ")}; waiting for their ${expected.length} effects`);
    const applied = await awaitEffects({ expected, standIns, databaseUrl: stack.databaseUrl, catchUpMs, say });

    const verdict = judge(
      log,
      windows,
      kafka,
      applied.counts,
      (key) => applied.times.get(key) ?? [],
      (name) => memory?.peak(name),
    );
    const replicatedAtEnd = (await replication()).map((problem) => `at the end of the run: ${problem}`);
    const failures = runFailures(verdict, replicatedAtEnd);
    const notes = runNotes({ verdict, incidents: services.incidents(), registryFailures, stalls, cpuAtStart, startedAt: started });
    failed = failures.length > 0;
    return {
      verdict,
      table: formatTable(verdict.rows, { belowMinIsr: brokers === 3 }),
      failures,
      notes,
      stateDir,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    stopListening();
    memory?.stop();
    stalls.stop();
    poster.close();
    await teardown.run(say);
    say(clearState(stateDir, options.keepState, failed));
  }
}

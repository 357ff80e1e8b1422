// The steps of a faults run that read better under a name of their own: the line each phase ends
// with, the wait for every expected effect, and the notes at the end.
import { type DeliveryLog, is2xx } from "./delivery-log.ts";
import type { ExpectedEffect } from "./effect-tally.ts";
import { type Applied, appliedEffects } from "./effects-audit.ts";
import type { EventLoopStalls } from "./event-loop-stalls.ts";
import type { StandIns } from "./stand-ins.ts";
import { type PhaseWindow, recoverySeconds, type Verdict } from "./verdict.ts";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** However far behind the consumers are, the run ends this long after the load stopped. */
const CATCH_UP_LIMIT_MS = 30 * 60 * 1000;

/** The line a phase ends with: what was sent, how it was answered, and when 2xx came back. */
export function phaseReporter(log: DeliveryLog, say: (line: string) => void): (window: PhaseWindow, detail: string) => void {
  return (window, detail) => {
    const posts = log.posts.filter((post) => post.phase === window.name);
    const recovery = recoverySeconds(window, log.posts);
    const again =
      recovery === undefined
        ? ""
        : recovery === null
          ? "; NOT answered 2xx again within the phase"
          : `; answered 2xx again ${recovery.toFixed(1)} s after the fault's end`;
    const refusals = new Map<string, number>();
    for (const post of posts) {
      if (!is2xx(post.status)) refusals.set(`${post.status || "none"} ${post.outcome}`, (refusals.get(`${post.status || "none"} ${post.outcome}`) ?? 0) + 1);
    }
    const why = refusals.size === 0 ? "" : ` (${[...refusals].map(([answer, count]) => `${answer} x${count}`).join(", ")})`;
    const answered = (status: (post: { status: number }) => boolean): number => posts.filter(status).length;
    say(
      `${window.name}: ${detail}${posts.length} sent, ${answered((post) => is2xx(post.status))} 2xx, ${answered((post) => post.status === 503)} 503, ${answered((post) => post.status === 0)} unanswered${why}${again}`,
    );
  };
}

/**
 * Waits for the expected effects. Consumers that fell behind catch up at their own pace: the wait
 * goes on while effects keep coming, and an effect is missing only once nothing more has come for
 * `catchUpMs` (or after CATCH_UP_LIMIT_MS). Then a little longer, for a late second copy of an
 * effect (a retry that was already on its way).
 */
export async function awaitEffects(options: {
  expected: readonly ExpectedEffect[];
  standIns: StandIns;
  databaseUrl: string;
  catchUpMs: number;
  say: (line: string) => void;
}): Promise<Applied> {
  const { expected, standIns, databaseUrl, catchUpMs, say } = options;
  const since = performance.now();
  const missingOf = (applied: Applied): number => expected.filter((effect) => !applied.counts.has(effect.key)).length;
  let applied = await appliedEffects(standIns, databaseUrl);
  let lastProgressAt = performance.now();
  let lastReportAt = performance.now();
  let missing = missingOf(applied);
  while (missing > 0 && performance.now() - lastProgressAt < catchUpMs && performance.now() - since < CATCH_UP_LIMIT_MS) {
    await sleep(2000);
    applied = await appliedEffects(standIns, databaseUrl);
    const now = missingOf(applied);
    if (now < missing) lastProgressAt = performance.now();
    missing = now;
    if (performance.now() - lastReportAt >= 30_000) {
      lastReportAt = performance.now();
      say(
        `effects: ${expected.length - missing} of ${expected.length} applied ${seconds(performance.now() - since)} after the load stopped; the consumers are still catching up`,
      );
    }
  }
  await sleep(5000);
  applied = await appliedEffects(standIns, databaseUrl);
  missing = missingOf(applied);
  say(
    `effects: ${expected.length - missing} of ${expected.length} applied ${seconds(performance.now() - since)} after the load stopped${missing > 0 ? `; ${missing} MISSING` : ""}`,
  );
  return applied;
}

/** What makes the run fail: lost, a 2xx below min ISR, doubled, missing, contract-breaking answers, topics not replicated as declared. */
export function runFailures(verdict: Verdict, replicatedAtEnd: readonly string[]): string[] {
  return [...verdict.lost, ...verdict.belowMinIsr, ...verdict.doubled, ...verdict.missing, ...verdict.problems, ...verdict.unexpected, ...replicatedAtEnd];
}

/** Worth reading, not failures: incidents, audit troubles, copies, given-up deliveries, CPU, stalls, repeated pages. */
export function runNotes(options: {
  verdict: Verdict;
  incidents: readonly string[];
  registryFailures: readonly string[];
  stalls: EventLoopStalls;
  cpuAtStart: NodeJS.CpuUsage;
  startedAt: number;
}): string[] {
  const { verdict, registryFailures } = options;
  const cpu = process.cpuUsage(options.cpuAtStart);
  return [
    ...options.incidents.map((incident) => `incident: ${incident}`),
    ...(registryFailures.length > 0
      ? [`the registry failed ${registryFailures.length} time(s) when the audit asked it for the envelope schema, first: ${registryFailures[0]}`]
      : []),
    ...(verdict.copiedInKafka > 0 ? [`${verdict.copiedInKafka} event(s) are in Kafka more than once (consumers absorb them)`] : []),
    ...(verdict.gaveUp > 0 ? [`${verdict.gaveUp} delivery(ies) were given up after 10 attempts without a 2xx`] : []),
    ...(verdict.doubled.length > 0
      ? [
          "DOUBLED counts an effect in the phase under way when its first copy was applied (the call whose completion the consumer lost); the event itself may be older",
        ]
      : []),
    `this run's own process (load, signing, stand-ins, audit) used ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s of CPU in ${((performance.now() - options.startedAt) / 1000).toFixed(0)} s`,
    ...options.stalls
      .over(1000)
      .map(
        ([name, ms]) =>
          `${name}: the load generator's event loop stalled for up to ${(ms / 1000).toFixed(1)} s (the stand-ins answer from a thread of their own)`,
      ),
    ...verdict.acknowledgedAfterRestart,
    ...verdict.repeatedPages.map((line) => `PagerDuty folds a repeated trigger into its open incident: ${line}`),
  ];
}

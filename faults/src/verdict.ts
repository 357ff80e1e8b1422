// From what was sent, what Kafka holds and what the stand-ins and Postgres saw: one row per phase,
// and the list of everything that breaks the promise (a 2xx not in Kafka, an effect twice, an
// effect missing, an answer a provider must never get).
import type { DeliveryLog, PostRecord } from "./delivery-log.ts";
import { is2xx } from "./delivery-log.ts";
import type { Consumer } from "./effect-tally.ts";
import type { PlannedEvent } from "./event-mix.ts";
import type { KafkaCopy } from "./kafka-audit.ts";

export interface PhaseWindow {
  name: string;
  startedAt: number;
  /** When the fault was put in place (the kill, the SIGSTOP); undefined for the baseline. */
  injectedAt?: number | undefined;
  /** When the fault was taken away; undefined for the baseline. */
  faultEndedAt: number | undefined;
  endedAt: number;
  /** While fewer brokers than min.insync.replicas ran: from when the last one was killed until the restart began. */
  belowMinIsr?: { from: number; until: number } | undefined;
}

export interface PhaseRow {
  phase: string;
  posts: number;
  answered2xx: number;
  answered503: number;
  unanswered: number;
  events: number;
  inKafka: number;
  lost: number;
  expected: Record<Consumer, number>;
  applied: Record<Consumer, number>;
  /** Extra applications of effects whose first copy was applied during this phase. */
  doubled: number;
  /** Seconds from the fault's end until every answer is 2xx again; null: not within the phase; undefined: no fault. */
  recoverySeconds: number | null | undefined;
  ingestPeakRssBytes: number | undefined;
  /** 2xx answers to requests sent, and answered, while fewer brokers than min.insync.replicas ran; undefined: no such time in this phase. */
  answered2xxBelowMinIsr: number | undefined;
}

export interface Verdict {
  rows: PhaseRow[];
  lost: string[];
  doubled: string[];
  missing: string[];
  /** Answers that break ingest's contract (4xx to a good delivery, a redelivery neither duplicate nor accepted). */
  problems: string[];
  /** Effects no event of the run expects. */
  unexpected: string[];
  /** 2xx answers Kafka cannot have acknowledged: sent and answered while fewer brokers than min.insync.replicas ran. */
  belowMinIsr: string[];
  /** Requests sent while fewer brokers than min.insync.replicas ran, answered 2xx only after the restart began (a restarted broker back in the ISR). */
  acknowledgedAfterRestart: string[];
  /** PagerDuty triggers repeated with the same dedup_key: PagerDuty folds them into the open incident. */
  repeatedPages: string[];
  /** Events written to Kafka more than once (consumers absorb these). */
  copiedInKafka: number;
  /** Deliveries a sender gave up on after every attempt (never answered 2xx). */
  gaveUp: number;
}

export const CONSUMERS: readonly Consumer[] = ["fulfillment", "alerts", "deployments"];
const perConsumer = (): Record<Consumer, number> => ({ fulfillment: 0, alerts: 0, deployments: 0 });
const isPage = (key: string): boolean => key.startsWith("pagerduty:");

/** Seconds from `window.faultEndedAt` to the first 2xx answer after the last answer that was not 2xx. */
export function recoverySeconds(window: PhaseWindow, posts: readonly PostRecord[]): number | null | undefined {
  const end = window.faultEndedAt;
  if (end === undefined) return undefined;
  const after = posts.filter((post) => post.answeredAt >= end && post.answeredAt <= window.endedAt).sort((a, b) => a.answeredAt - b.answeredAt);
  let lastFailure = -1;
  after.forEach((post, index) => {
    if (!is2xx(post.status)) lastFailure = index;
  });
  const recovered = after.slice(lastFailure + 1).find((post) => is2xx(post.status));
  return recovered ? (recovered.answeredAt - end) / 1000 : null;
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/**
 * Where an event is in Kafka, and when an effect was applied against the fault last put in place
 * before: what a doubled effect is read against in the services' logs.
 */
function evidence(copies: readonly KafkaCopy[], times: readonly number[], windows: readonly PhaseWindow[]): string {
  const where = copies.map((copy) => `partition ${copy.partition} offset ${copy.offset} (envelope ${copy.eventId}, received ${clock(copy.receivedAt)})`);
  const when = times.map((time) => {
    const fault = windows.filter((window) => window.injectedAt !== undefined && window.injectedAt <= time).at(-1);
    return fault?.injectedAt === undefined ? clock(time) : `${clock(time)} (${((time - fault.injectedAt) / 1000).toFixed(3)} s after ${fault.name} began)`;
  });
  return `applied at ${when.join(", ") || "(in Postgres)"}; in Kafka as ${where.join(" and ")}`;
}

/**
 * The 2xx answers that say "written now" to requests sent while fewer brokers than min.insync.replicas
 * ran. Kafka cannot acknowledge a write then (acks=all), so one answered before the restart began
 * breaks the promise. One answered after the restart began is legitimate: ingest held the request
 * (up to its produce timeout) until a restarted broker was back in the ISR, and only then did Kafka
 * acknowledge it. A 2xx "duplicate" is not counted: ingest's ledger answers it for an event Kafka
 * acknowledged before, and LOST checks that one.
 */
function answeredBelowMinIsr(window: PhaseWindow, posts: readonly PostRecord[]): { during: PostRecord[]; afterRestart: PostRecord[] } {
  const span = window.belowMinIsr;
  if (!span) return { during: [], afterRestart: [] };
  const sent = posts.filter((post) => is2xx(post.status) && post.outcome !== "duplicate" && post.sentAt >= span.from && post.sentAt < span.until);
  return { during: sent.filter((post) => post.answeredAt < span.until), afterRestart: sent.filter((post) => post.answeredAt >= span.until) };
}

export function judge(
  log: DeliveryLog,
  windows: readonly PhaseWindow[],
  kafka: ReadonlyMap<string, readonly KafkaCopy[]>,
  applied: ReadonlyMap<string, number>,
  appliedAt: (key: string) => readonly number[],
  ingestPeak: (phase: string) => number | undefined,
): Verdict {
  const verdict = emptyVerdict();
  /** Extra applications, by the phase under way when the first copy was applied. */
  const doubledIn = new Map<string, number>();
  const owners = new Map<string, PlannedEvent>();
  for (const { event } of log.events.values()) for (const effect of event.effects) owners.set(effect.key, event);

  for (const window of windows) {
    const posts = log.posts.filter((post) => post.phase === window.name);
    const events = [...log.events.values()].filter((record) => record.event.phase === window.name);
    const row = phaseRow(window, posts, events.length, log.posts, ingestPeak);
    if (window.belowMinIsr) judgeBelowMinIsr(window, window.belowMinIsr, log.posts, row, verdict);
    for (const record of events) {
      const { event } = record;
      verdict.gaveUp += record.gaveUp;
      for (const problem of record.problems) verdict.problems.push(`${window.name}: ${event.key} (${event.kind}): ${problem}`);
      const inKafka = kafka.get(event.key) ?? [];
      if (inKafka.length > 1) verdict.copiedInKafka += 1;
      if (inKafka.length === 0) {
        if (record.acknowledged) {
          row.lost += 1;
          verdict.lost.push(`${window.name}: ${event.key} (${event.kind}, ${event.bytes} bytes) answered 2xx, not in Kafka`);
        }
        continue;
      }
      row.inKafka += 1;
      judgeEffects({ event, window, inKafka }, { windows, applied, appliedAt }, row, verdict, doubledIn);
    }
    verdict.rows.push(row);
  }
  for (const row of verdict.rows) row.doubled = doubledIn.get(row.phase) ?? 0;
  for (const [key, count] of applied) if (!owners.has(key)) verdict.unexpected.push(`${key} applied ${count} time(s), expected by no event of this run`);
  return verdict;
}

function emptyVerdict(): Verdict {
  return {
    rows: [],
    lost: [],
    doubled: [],
    missing: [],
    problems: [],
    unexpected: [],
    belowMinIsr: [],
    acknowledgedAfterRestart: [],
    repeatedPages: [],
    copiedInKafka: 0,
    gaveUp: 0,
  };
}

/** A phase's row with what its posts tell; what Kafka and the effects tell is counted in afterwards. */
function phaseRow(
  window: PhaseWindow,
  posts: readonly PostRecord[],
  events: number,
  allPosts: readonly PostRecord[],
  ingestPeak: (phase: string) => number | undefined,
): PhaseRow {
  return {
    phase: window.name,
    posts: posts.length,
    answered2xx: posts.filter((post) => is2xx(post.status)).length,
    answered503: posts.filter((post) => post.status === 503).length,
    unanswered: posts.filter((post) => post.status === 0).length,
    events,
    inKafka: 0,
    lost: 0,
    expected: perConsumer(),
    applied: perConsumer(),
    doubled: 0,
    recoverySeconds: recoverySeconds(window, allPosts),
    ingestPeakRssBytes: ingestPeak(window.name),
    answered2xxBelowMinIsr: undefined,
  };
}

/** The 2xx answers of a phase with fewer brokers than min.insync.replicas: those before the restart break the promise. */
function judgeBelowMinIsr(
  window: PhaseWindow,
  { from, until }: { from: number; until: number },
  posts: readonly PostRecord[],
  row: PhaseRow,
  verdict: Verdict,
): void {
  const { during, afterRestart } = answeredBelowMinIsr(window, posts);
  row.answered2xxBelowMinIsr = during.length;
  for (const post of during) {
    verdict.belowMinIsr.push(
      `${window.name}: ${post.eventKey} sent ${((post.sentAt - from) / 1000).toFixed(3)} s after fewer than two brokers ran, answered ${post.status} ${post.outcome} ${((until - post.answeredAt) / 1000).toFixed(3)} s before the restart began`,
    );
  }
  if (afterRestart.length > 0) {
    const first = Math.min(...afterRestart.map((post) => post.answeredAt)) - until;
    verdict.acknowledgedAfterRestart.push(
      `${window.name}: ${afterRestart.length} request(s) sent while fewer than two brokers ran were answered 2xx after the restart began (the first ${(first / 1000).toFixed(1)} s after it), once a restarted broker was back in the ISR`,
    );
  }
}

/** Each effect of an event that reached Kafka: applied, missing, or applied more than once (a page repeated, or an effect doubled). */
function judgeEffects(
  { event, window, inKafka }: { event: PlannedEvent; window: PhaseWindow; inKafka: readonly KafkaCopy[] },
  seen: { windows: readonly PhaseWindow[]; applied: ReadonlyMap<string, number>; appliedAt: (key: string) => readonly number[] },
  row: PhaseRow,
  verdict: Verdict,
  doubledIn: Map<string, number>,
): void {
  const { windows, applied, appliedAt } = seen;
  for (const effect of event.effects) {
    row.expected[effect.consumer] += 1;
    const count = applied.get(effect.key) ?? 0;
    if (count > 0) row.applied[effect.consumer] += 1;
    else verdict.missing.push(`${window.name}: ${effect.consumer} never applied ${effect.key} (event ${event.key}, ${event.kind})`);
    if (count <= 1) continue;
    const times = appliedAt(effect.key);
    const detail = `${effect.key} ${count} times (event ${event.key} of ${window.name}, ${event.kind}): ${evidence(inKafka, times, windows)}`;
    // The fault to blame is the one under way when the first copy was applied: its completion is what the consumer lost.
    const blamed = times[0] === undefined ? window.name : (windows.filter((each) => each.startedAt <= (times[0] as number)).at(-1)?.name ?? window.name);
    if (isPage(effect.key)) verdict.repeatedPages.push(`${blamed}: triggered ${detail}`);
    else {
      doubledIn.set(blamed, (doubledIn.get(blamed) ?? 0) + count - 1);
      verdict.doubled.push(`${blamed}: ${effect.consumer} applied ${detail}`);
    }
  }
}

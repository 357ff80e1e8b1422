import { consumerStateCounts, redrive, resendEvents, type ConsumerStateCounts } from "@hooklog/consumer-kit";
import { type CircuitState, routeCircuits } from "@hooklog/routes";
import type { Request, Response } from "express";
import { callerOf } from "../auth/guard.ts";
import type { ChartSeries } from "../charts.ts";
import { consumerActivity, oldestDeadLetters, processedKeys, recordedConsumers, type ConsumerActivity, type DeadLetter } from "../consumer-activity.ts";
import { matchingEvents, REPLAY_REQUEST_HELP, replayFilterOf } from "../consumer-replay.ts";
import type { ConsoleArea, ConsoleDeps } from "../deps.ts";
import { badInput, notFound } from "../errors.ts";
import { html } from "../html.ts";
import { jobsOf, jobView } from "../jobs.ts";
import { consoleKafkaOf, KafkaUnreachableError, type ConsumerGroup, type PartitionLag, type TopicEnds } from "../kafka-admin.ts";
import { lagHistoryOf, type LagSample } from "../lag-history.ts";
import { consumerPage, kafkaNotice } from "../pages/consumer-page.ts";
import { layout, when } from "../pages/layout.ts";

export interface ConsumerSummary {
  name: string;
  /** Kafka's view; null when Kafka did not answer. */
  group: { state: string; members: number; lag: number } | null;
  counts: ConsumerStateCounts["counts"];
  oldestDeadLetterAt: Date | null;
}

export interface ConsumerDetail {
  name: string;
  group: ConsumerGroup | null;
  lag: PartitionLag[] | null;
  /** Why Kafka's part is missing, when it is. */
  kafkaProblem: string | null;
  /** When the console began sampling lag: the history goes no further back. */
  lagHistorySince: Date;
  lagHistory: readonly LagSample[];
  window: { from: Date; to: Date };
  /** Handler runs per minute in the window. */
  activity: ConsumerActivity;
  counts: ConsumerStateCounts["counts"];
  oldestDeadLetterAt: Date | null;
  /** The longest-waiting dead letters, at most 20. */
  deadLetters: DeadLetter[];
  /** For a route's destination: its circuit as the routes service last wrote it (null for any other consumer). */
  circuit: CircuitState | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const nowOf = (deps: ConsoleDeps): Date => (deps.now ?? (() => new Date()))();

function consumerName(request: Request): string {
  const name = String(request.params.name ?? "");
  if (!NAME.test(name)) throw badInput(`consumer ${JSON.stringify(name)}: a consumer's name (letters, digits, '.', '_', '-')`);
  return name;
}

/** ?hours=1..24 (default 6): how far back the charts of a consumer's page look. */
function windowOf(request: Request, now: Date): { from: Date; to: Date } {
  const text = request.query.hours;
  if (text === undefined) return { from: new Date(now.getTime() - 6 * 3_600_000), to: now };
  const hours = typeof text === "string" && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(hours >= 1 && hours <= 24)) throw badInput("hours: a whole number of hours from 1 to 24 (default 6)");
  return { from: new Date(now.getTime() - hours * 3_600_000), to: now };
}

const problemOf = (error: unknown): string => {
  if (error instanceof KafkaUnreachableError) return error.message;
  throw error;
};

/** Every consumer: Kafka's groups and those that recorded states, with each one's standing. */
export async function listConsumers(deps: ConsoleDeps): Promise<{ consumers: ConsumerSummary[]; kafkaProblem: string | null }> {
  const kafka = consoleKafkaOf(deps);
  let kafkaProblem: string | null = null;
  let inKafka: string[] = [];
  try {
    inKafka = await kafka.consumers();
  } catch (error) {
    kafkaProblem = problemOf(error);
  }
  const names = [...new Set([...inKafka, ...(await recordedConsumers(deps.db))])].sort();
  const groups = new Map<string, NonNullable<ConsumerSummary["group"]>>();
  if (kafkaProblem === null && inKafka.length > 0) {
    try {
      const described = await kafka.groups(inKafka);
      const topicEnds: TopicEnds = new Map();
      const lags = await Promise.all(inKafka.map((name) => kafka.lag(name, topicEnds)));
      for (const [index, name] of inKafka.entries())
        groups.set(name, {
          state: described.get(name)?.state ?? "Dead",
          members: described.get(name)?.members.length ?? 0,
          lag: (lags[index] ?? []).reduce((sum, each) => sum + each.lag, 0),
        });
    } catch (error) {
      kafkaProblem = problemOf(error);
    }
  }
  const consumers = await Promise.all(
    names.map(async (name): Promise<ConsumerSummary> => {
      const { counts, oldestDeadLetterAt } = await consumerStateCounts(deps.db, name);
      return { name, group: groups.get(name) ?? null, counts, oldestDeadLetterAt: oldestDeadLetterAt ?? null };
    }),
  );
  return { consumers, kafkaProblem };
}

/** One consumer in full; not found when neither Kafka nor the recorded states know it. */
export async function consumerDetail(deps: ConsoleDeps, name: string, window: { from: Date; to: Date }): Promise<ConsumerDetail> {
  const kafka = consoleKafkaOf(deps);
  let group: ConsumerGroup | null = null;
  let lag: PartitionLag[] | null = null;
  let kafkaProblem: string | null = null;
  try {
    [group, lag] = await Promise.all([kafka.group(name), kafka.lag(name)]);
  } catch (error) {
    kafkaProblem = problemOf(error);
  }
  const [{ counts, oldestDeadLetterAt }, activity, deadLetters, circuits] = await Promise.all([
    consumerStateCounts(deps.db, name),
    consumerActivity(deps.db, name, window.from),
    oldestDeadLetters(deps.db, name, 20),
    routeCircuits(deps.db),
  ]);
  const knownToKafka = group !== null && (group.state !== "Dead" || (lag?.length ?? 0) > 0);
  if (!knownToKafka && kafkaProblem === null && Object.values(counts).every((count) => count === 0))
    throw notFound(`no consumer ${name}: Kafka has no group hooklog.${name} and it recorded no events`);
  const history = lagHistoryOf(deps);
  return {
    name,
    group,
    lag,
    kafkaProblem,
    lagHistorySince: history.startedAt,
    lagHistory: history.of(name).filter((sample) => sample.at >= window.from),
    window,
    activity,
    counts,
    oldestDeadLetterAt: oldestDeadLetterAt ?? null,
    deadLetters,
    circuit: circuits.get(name) ?? null,
  };
}

/** Lag samples as one series per partition. */
export function lagSeries(samples: readonly LagSample[]): ChartSeries[] {
  const partitions = [...new Set(samples.flatMap((sample) => Object.keys(sample.partitions)))].sort();
  return partitions.map((partition) => ({
    label: partition,
    points: samples.flatMap((sample) => {
      const value = sample.partitions[partition];
      return value === undefined ? [] : [{ at: sample.at, value }];
    }),
  }));
}

function kafkaUnavailable(response: Response, error: unknown): boolean {
  if (!(error instanceof KafkaUnreachableError)) return false;
  response.status(503).json({ error: { code: error.code, message: error.message } });
  return true;
}

export const consumersArea: ConsoleArea = ({ api, pages }, deps) => {
  const jobs = jobsOf(deps);

  api.get("/consumers", async (_request, response) => {
    response.json(await listConsumers(deps));
  });
  api.get("/consumers/:name", async (request, response) => {
    const name = consumerName(request);
    response.json(await consumerDetail(deps, name, windowOf(request, nowOf(deps))));
  });
  api.get("/jobs/:id", (request, response) => {
    const job = jobs.get(String(request.params.id));
    if (!job) throw notFound(`no job ${request.params.id}: jobs are kept in memory until the console restarts (the last 100 finished)`);
    response.json(jobView(job));
  });

  api.post("/consumers/:name/redrive", async (request, response) => {
    const name = consumerName(request);
    const actor = callerOf(response).actor;
    const job = jobs.start({ kind: "redrive", consumer: name, actor }, async (progress) => {
      const result = await redrive(name, { kafkaBrokers: deps.kafkaBrokers, db: deps.db, actor, onProgress: progress });
      return {
        summary: `redrove ${result.redriven} of ${result.inDeadLetters} dead letters (${result.alreadyProcessed} processed since)`,
        result: { ...result },
      };
    });
    await deps.actions.record({ actor, action: "redrive", consumer: name, detail: { job: job.id } });
    deps.metrics.actions.inc({ action: "redrive" });
    response.status(202).json({ job: `/api/jobs/${job.id}`, id: job.id });
  });

  api.post("/consumers/:name/replay", async (request, response) => {
    const name = consumerName(request);
    const actor = callerOf(response).actor;
    const { filter, dryRun, asked } = replayFilterOf(replayBody(request), nowOf(deps));
    let topics: string[];
    try {
      topics = await consoleKafkaOf(deps).committedTopics(name);
    } catch (error) {
      if (kafkaUnavailable(response, error)) return;
      throw error;
    }
    if (topics.length === 0)
      throw notFound(`consumer ${name} has committed on no topic yet: nothing it reads to replay (Kafka has no offsets of hooklog.${name})`);
    const events = await matchingEvents(deps.db, filter, topics, deps.sources);
    if (dryRun) {
      const processed = await processedKeys(
        deps.db,
        name,
        events.map((event) => event.eventKey),
      );
      response.json({
        dryRun: true,
        consumer: name,
        topics,
        matching: events.length,
        alreadyProcessed: processed.size,
        summary: `${events.length} events match (${processed.size} already processed by ${name})`,
      });
      return;
    }
    const job = jobs.start({ kind: "replay", consumer: name, actor }, async (progress) => {
      const result = await resendEvents(name, events, { kafkaBrokers: deps.kafkaBrokers, db: deps.db, clearEffects: false, actor }, ({ read, total }) =>
        progress(read, total),
      );
      return { summary: `replayed ${result.resent} events into ${name}`, result: { ...result } };
    });
    await deps.actions.record({ actor, action: "replay", consumer: name, detail: { job: job.id, filter: asked, events: events.length } });
    deps.metrics.actions.inc({ action: "replay" });
    response.status(202).json({ job: `/api/jobs/${job.id}`, id: job.id, matching: events.length });
  });

  pages.get("/consumers", async (_request, response) => {
    const { consumers, kafkaProblem } = await listConsumers(deps);
    const body = html`${kafkaNotice(kafkaProblem)}
<table>
<thead><tr><th>Consumer</th><th>Group</th><th>Members</th><th>Lag</th><th>Processed</th><th>Retrying</th><th>Dead letters</th><th>Oldest dead letter</th></tr></thead>
<tbody>${consumers.map(
      (consumer) => html`<tr>
<td><a href="/consumers/${encodeURIComponent(consumer.name)}">${consumer.name}</a></td>
<td>${consumer.group ? consumer.group.state : html`<span class="none">-</span>`}</td>
<td>${consumer.group?.members ?? "-"}</td>
<td>${consumer.group?.lag ?? "-"}</td>
<td>${consumer.counts.processed}</td>
<td>${consumer.counts.retrying}</td>
<td>${consumer.counts.dead_lettered > 0 ? html`<span class="state dead_lettered">${consumer.counts.dead_lettered}</span>` : "0"}</td>
<td>${when(consumer.oldestDeadLetterAt)}</td>
</tr>`,
    )}</tbody>
</table>
${consumers.length === 0 ? html`<p class="none">No consumer yet: Kafka has no hooklog.* group and none recorded an event.</p>` : ""}`;
    response.type("html").send(layout({ title: "Consumers", section: "consumers", caller: callerOf(response), body }));
  });

  pages.get("/consumers/:name", async (request, response) => {
    const name = consumerName(request);
    const detail = await consumerDetail(deps, name, windowOf(request, nowOf(deps)));
    response.type("html").send(layout({ title: `Consumer ${name}`, section: "consumers", caller: callerOf(response), body: consumerPage(detail) }));
  });
};

/** The body of a replay: {filter, dryRun} from the API, or the page form's flat fields (empty ones left out) with ?dryRun=true. */
function replayBody(request: Request): unknown {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const queried = request.query.dryRun;
  if (queried !== undefined && queried !== "true" && queried !== "false") throw badInput(`dryRun: true or false. ${REPLAY_REQUEST_HELP}`);
  const fromQuery = queried === undefined ? {} : { dryRun: queried === "true" };
  if (typeof body !== "object" || Array.isArray(body)) return body;
  if ("filter" in body) return { ...body, ...fromQuery };
  const { dryRun, _csrf, ...fields } = body;
  const filter = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ""));
  return { filter, ...(dryRun === undefined ? {} : { dryRun }), ...fromQuery };
}

export { consumersPaths } from "./consumers-openapi.ts";

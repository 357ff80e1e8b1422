import { consumerStateCounts, redrive, resendEvents, type ConsumerStateCounts } from "@hooklog/consumer-kit";
import type { Request, Response } from "express";
import { callerOf } from "../auth/guard.ts";
import { filledSeries, lineChart, type ChartSeries } from "../charts.ts";
import { consumerActivity, oldestDeadLetters, processedKeys, recordedConsumers, type ConsumerActivity, type DeadLetter } from "../consumer-activity.ts";
import { matchingEvents, REPLAY_REQUEST_HELP, replayFilterOf } from "../consumer-replay.ts";
import type { ConsoleArea, ConsoleDeps } from "../deps.ts";
import { badInput, notFound } from "../errors.ts";
import { html, type Html } from "../html.ts";
import { jobsOf, jobView } from "../jobs.ts";
import { consoleKafkaOf, KafkaUnreachableError, type ConsumerGroup, type PartitionLag, type TopicEnds } from "../kafka-admin.ts";
import { lagHistoryOf, type LagSample } from "../lag-history.ts";
import type { OpenApiPaths } from "../openapi-types.ts";
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
  const [{ counts, oldestDeadLetterAt }, activity, deadLetters] = await Promise.all([
    consumerStateCounts(deps.db, name),
    consumerActivity(deps.db, name, window.from),
    oldestDeadLetters(deps.db, name, 20),
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

function kafkaNotice(problem: string | null): Html | string {
  return problem ? html`<p class="notice problem" role="alert">Kafka did not answer, so groups, members and lag are missing: ${problem}</p>` : "";
}

function consumerPage(detail: ConsumerDetail): Html {
  const { name, window } = detail;
  const minuteMs = 60_000;
  const frame = { from: window.from, to: window.to };
  const base = `/api/consumers/${encodeURIComponent(name)}`;
  return html`${kafkaNotice(detail.kafkaProblem)}
<div class="cards">
<div class="card">
<h2>Group</h2>
<dl class="grid">
<dt>Kafka group</dt><dd><code>hooklog.${name}</code></dd>
<dt>State</dt><dd>${detail.group?.state ?? "-"}</dd>
<dt>Members</dt><dd>${detail.group?.members.length ?? "-"}</dd>
<dt>Lag</dt><dd>${detail.lag ? detail.lag.reduce((sum, each) => sum + each.lag, 0) : "-"}</dd>
</dl>
</div>
<div class="card">
<h2>Events</h2>
<dl class="grid">
${Object.entries(detail.counts).map(([state, count]) => html`<dt><span class="state ${state}">${state}</span></dt><dd>${count}</dd>`)}
<dt>Oldest dead letter</dt><dd>${when(detail.oldestDeadLetterAt)}</dd>
</dl>
</div>
</div>
<h2>Members</h2>
${
  detail.group && detail.group.members.length > 0
    ? html`<table><thead><tr><th>Member</th><th>Client</th><th>Host</th></tr></thead><tbody>${detail.group.members.map(
        (member) => html`<tr><td class="mono">${member.memberId}</td><td>${member.clientId}</td><td>${member.clientHost}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="none">No running member.</p>`
}
<h2>Lag per partition</h2>
${
  detail.lag && detail.lag.length > 0
    ? html`<table><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>End</th><th>Lag</th></tr></thead><tbody>${detail.lag.map(
        (each) => html`<tr><td>${each.topic}</td><td>${each.partition}</td><td>${each.committed ?? "-"}</td><td>${each.end}</td><td>${each.lag}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="none">No committed offsets.</p>`
}
<h2>Lag over time</h2>
<p class="muted">Sampled every 30 s since the console started (${when(detail.lagHistorySince)}); kept for 24 hours. Kafka keeps no history of lag.</p>
${lineChart(lagSeries(detail.lagHistory), { ...frame, title: `Lag of ${name} per partition`, unit: "messages behind" })}
<h2>Handler runs per minute</h2>
${lineChart(
  [
    filledSeries("processed", detail.activity.processed, { ...frame, bucketMs: minuteMs }),
    filledSeries("failed (retried or dead-lettered)", detail.activity.failed, { ...frame, bucketMs: minuteMs }),
  ],
  { ...frame, title: `Handler runs of ${name}`, unit: "runs per minute" },
)}
<h2>Dead letters</h2>
<p>
<button class="danger" data-action="POST ${base}/redrive" data-confirm="Redrive every dead letter of ${name}? Events it processed since are skipped.">Redrive all</button>
<span class="result" data-result></span>
</p>
${
  detail.deadLetters.length > 0
    ? html`<table><thead><tr><th>Event</th><th>Key</th><th>Attempts</th><th>First failure</th><th>Dead-lettered</th><th>Last error</th></tr></thead><tbody>${detail.deadLetters.map(
        (letter) =>
          html`<tr><td><a href="/events/${encodeURIComponent(letter.eventId)}">${letter.eventId}</a></td><td class="mono">${letter.eventKey}</td><td>${letter.attempts}</td><td>${when(letter.firstFailureAt)}</td><td>${when(letter.deadLetteredAt)}</td><td class="mono">${letter.lastError ?? ""}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="none">No dead letter.</p>`
}
<h2>Replay by filter</h2>
<p class="muted">Hands the catalog's matching events, on the topics ${name} reads, to ${name} again: its handler runs; outside calls it made answer from their record. Count them first.</p>
<form id="replay-filter" class="filters">
<label>Source <input name="source"></label>
<label>Type <input name="type"></label>
<label>From <input name="from" placeholder="2h or ISO time"></label>
<label>To <input name="to" placeholder="30m or ISO time"></label>
<label>Text <input name="text"></label>
<label>Entity (message key) <input name="partitionKey"></label>
</form>
<p>
<button data-action="POST ${base}/replay?dryRun=true" data-form="replay-filter">Count matching events</button>
<button class="primary" data-action="POST ${base}/replay?dryRun=false" data-form="replay-filter" data-confirm="Replay the matching events into ${name}?">Replay</button>
<span class="result" data-result></span>
</p>`;
}

const error = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: error } } });
const nameParameter = {
  name: "name",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: "The consumer (its Kafka group is hooklog.<name>).",
};
const jobAnswer = {
  type: "object",
  properties: { job: { type: "string", description: "Poll this for progress: GET /api/jobs/{id}." }, id: { type: "string" } },
  required: ["job", "id"],
};
const stateCounts = {
  type: "object",
  description: "Events per state: processed, retrying, dead_lettered, parked, redriven, rerun_requested.",
  additionalProperties: { type: "integer" },
};

export const consumersPaths: OpenApiPaths = {
  "/api/consumers": {
    get: {
      summary: "Every consumer: its group's state, members and total lag (from Kafka), its events per state and its oldest dead letter",
      responses: {
        "200": {
          description: "The consumers; kafkaProblem says why the Kafka part (group) is null, when it is.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  kafkaProblem: { type: ["string", "null"] },
                  consumers: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        name: { type: "string" },
                        group: {
                          type: ["object", "null"],
                          properties: { state: { type: "string" }, members: { type: "integer" }, lag: { type: "integer" } },
                        },
                        counts: stateCounts,
                        oldestDeadLetterAt: { type: ["string", "null"], format: "date-time" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  "/api/consumers/{name}": {
    get: {
      summary: "One consumer: members, lag per partition now and over time, handler runs per minute, events per state, the oldest dead letters",
      parameters: [
        nameParameter,
        {
          name: "hours",
          in: "query",
          schema: { type: "integer", minimum: 1, maximum: 24, default: 6 },
          description: "How far back the runs and the lag history go.",
        },
      ],
      responses: {
        "200": {
          description:
            "The consumer. lagHistory holds samples taken every 30 s since lagHistorySince (when the console started), each {at, partitions: {'topic/partition': lag}}; activity.processed and activity.failed are runs per minute [{bucket, count}].",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  name: { type: "string" },
                  group: { type: ["object", "null"] },
                  lag: { type: ["array", "null"], items: { type: "object" } },
                  kafkaProblem: { type: ["string", "null"] },
                  lagHistorySince: { type: "string", format: "date-time" },
                  lagHistory: { type: "array", items: { type: "object" } },
                  window: { type: "object" },
                  activity: { type: "object" },
                  counts: stateCounts,
                  oldestDeadLetterAt: { type: ["string", "null"], format: "date-time" },
                  deadLetters: { type: "array", items: { type: "object" } },
                },
              },
            },
          },
        },
        "400": errorResponse("A malformed name or hours."),
        "404": errorResponse("Neither Kafka nor the recorded states know the consumer."),
      },
    },
  },
  "/api/consumers/{name}/redrive": {
    post: {
      summary: "Redrive all: every dead letter of the consumer back through its first retry (events it processed since are skipped); runs as a job",
      parameters: [nameParameter],
      requestBody: { required: false, content: { "application/json": { schema: { type: "object" } } } },
      responses: { "202": { description: "Started; poll the job.", content: { "application/json": { schema: jobAnswer } } } },
    },
  },
  "/api/consumers/{name}/replay": {
    post: {
      summary:
        "Replay by filter: the catalog's events matching the filter, on the topics the consumer reads, handed to it again (outside calls answer from their record)",
      parameters: [
        nameParameter,
        { name: "dryRun", in: "query", schema: { type: "boolean" }, description: "Overrides the body's dryRun (the page's form sends flat fields)." },
      ],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                filter: {
                  type: "object",
                  properties: {
                    source: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
                    type: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
                    origin: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
                    from: { type: "string", description: "30m, 2h, 3d back, or an ISO time" },
                    to: { type: "string", description: "30m, 2h, 3d back, or an ISO time" },
                    text: { type: "string" },
                    eventId: { type: "string" },
                    providerEventId: { type: "string" },
                    partitionKey: { type: "string" },
                  },
                  additionalProperties: false,
                },
                dryRun: { type: "boolean", default: false },
              },
            },
          },
        },
      },
      responses: {
        "200": {
          description: "A dry run: how many events match, and how many of them the consumer already processed.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  dryRun: { const: true },
                  consumer: { type: "string" },
                  topics: { type: "array", items: { type: "string" } },
                  matching: { type: "integer" },
                  alreadyProcessed: { type: "integer" },
                  summary: { type: "string" },
                },
              },
            },
          },
        },
        "202": {
          description: "Started; poll the job.",
          content: { "application/json": { schema: { ...jobAnswer, properties: { ...jobAnswer.properties, matching: { type: "integer" } } } } },
        },
        "400": errorResponse("A filter the console cannot read, or more than 10000 matching events."),
        "404": errorResponse("The consumer has committed on no topic."),
        "503": errorResponse("Kafka did not answer."),
      },
    },
  },
  "/api/jobs/{id}": {
    get: {
      summary: "A background job (redrive, replay): its progress and outcome",
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      responses: {
        "200": {
          description: "The job.",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  id: { type: "string" },
                  kind: { type: "string" },
                  consumer: { type: "string" },
                  actor: { type: "string" },
                  state: { enum: ["running", "done", "failed"] },
                  done: { type: "integer" },
                  total: { type: "integer" },
                  summary: { type: "string" },
                  result: { type: ["object", "null"] },
                  error: { type: ["string", "null"] },
                  startedAt: { type: "string", format: "date-time" },
                  finishedAt: { type: ["string", "null"], format: "date-time" },
                },
              },
            },
          },
        },
        "404": errorResponse("No such job (jobs are kept in memory)."),
      },
    },
  },
};

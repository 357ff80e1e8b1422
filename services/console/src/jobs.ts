// Long actions (a redrive, a replay) run in the background as jobs the page polls for progress. In
// memory: a restart forgets them, but not what they did (the consumer's states, the record of actions).
import { randomUUID } from "node:crypto";
import type { ConsoleDeps } from "./deps.ts";

export type JobState = "running" | "done" | "failed";

export interface Job {
  id: string;
  /** What runs, e.g. "redrive". */
  kind: string;
  consumer: string;
  actor: string;
  state: JobState;
  done: number;
  total: number;
  /** One line for the page: progress, then the outcome. */
  summary: string;
  result: Record<string, unknown> | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export type JobWork = (progress: (done: number, total: number) => void) => Promise<{ summary: string; result: Record<string, unknown> }>;

/** Finished jobs kept for their pages to read, newest last. */
const KEEP_FINISHED = 100;

export class JobRegistry {
  readonly #jobs = new Map<string, Job>();
  readonly #onFailure: (job: Job, error: unknown) => void;

  constructor(options: { onFailure: (job: Job, error: unknown) => void }) {
    this.#onFailure = options.onFailure;
  }

  /** Starts the work now and answers its job at once; `settled` resolves when it ends, for tests and shutdown. */
  start(what: { kind: string; consumer: string; actor: string }, work: JobWork): Job & { settled: Promise<void> } {
    const job: Job = {
      id: randomUUID(),
      ...what,
      state: "running",
      done: 0,
      total: 0,
      summary: `${what.kind} starting`,
      result: null,
      error: null,
      startedAt: new Date(),
      finishedAt: null,
    };
    this.#jobs.set(job.id, job);
    const settled = work((done, total) => {
      job.done = done;
      job.total = total;
      job.summary = `${what.kind}: ${done} of ${total}`;
    }).then(
      ({ summary, result }) => {
        Object.assign(job, { state: "done", summary, result, finishedAt: new Date() });
        this.#prune();
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        Object.assign(job, { state: "failed", error: message, summary: `${what.kind} failed: ${message}`, finishedAt: new Date() });
        this.#onFailure(job, error);
        this.#prune();
      },
    );
    return Object.assign(job, { settled });
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((job) => job.state !== "running");
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.#jobs.delete(job.id);
  }
}

/** A job as the API answers it (no promise). */
export const jobView = (job: Job) => ({
  id: job.id,
  kind: job.kind,
  consumer: job.consumer,
  actor: job.actor,
  state: job.state,
  done: job.done,
  total: job.total,
  summary: job.summary,
  result: job.result,
  error: job.error,
  startedAt: job.startedAt.toISOString(),
  finishedAt: job.finishedAt?.toISOString() ?? null,
});

const registries = new WeakMap<ConsoleDeps, JobRegistry>();

/** The jobs of a console (its deps). */
export function jobsOf(deps: ConsoleDeps): JobRegistry {
  let registry = registries.get(deps);
  if (!registry) {
    registry = new JobRegistry({
      onFailure: (job, error) => deps.logger.error({ err: error, job: job.id, kind: job.kind, consumer: job.consumer }, "console job failed"),
    });
    registries.set(deps, registry);
  }
  return registry;
}

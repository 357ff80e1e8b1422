// What the stand-ins for Slack, PagerDuty and GitHub saw, counted by the key that names each effect
// (the object a message is about, PagerDuty's dedup_key, the deployment a status belongs to).

/** Which consumer service an effect belongs to. */
export type Consumer = "fulfillment" | "alerts" | "deployments";

export interface ExpectedEffect {
  consumer: Consumer;
  key: string;
}

export class EffectTally {
  readonly #counts = new Map<string, number>();
  /** When each effect was applied, kept for the ones applied more than once: the report shows them. */
  readonly #times = new Map<string, number[]>();

  record(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#times.set(key, [...(this.#times.get(key) ?? []), Date.now()]);
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Epoch ms of each application of `key`. */
  times(key: string): readonly number[] {
    return this.#times.get(key) ?? [];
  }

  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries();
  }
}

/** The effect keys, one builder per kind of effect, shared by the event mix (what to expect) and the stand-ins (what came). */
export const effectKey = {
  task: (orderId: string): string => `task:${orderId}`,
  slack: (about: string): string => `slack:${about}`,
  page: (dedupKey: string): string => `pagerduty:${dedupKey}`,
  deployment: (repository: string, environment: string, sha: string): string => `deployment:${repository}:${environment}:${sha}`,
  status: (repository: string, environment: string, sha: string, state: string): string => `status:${repository}:${environment}:${sha}:${state}`,
};

// What the stand-ins for Slack, PagerDuty and GitHub saw, counted by the key that names each effect
// (the object a message is about, PagerDuty's dedup_key, the deployment a status belongs to).

/** Which consumer service an effect belongs to. */
export type Consumer = "fulfillment" | "alerts" | "deployments";

export interface ExpectedEffect {
  consumer: Consumer;
  key: string;
}

/** When each effect was applied (epoch ms), by its key: how many times is the length. */
export type AppliedTimes = Map<string, number[]>;

export class EffectTally {
  readonly #times: AppliedTimes = new Map();

  record(key: string): void {
    const times = this.#times.get(key);
    if (times) times.push(Date.now());
    else this.#times.set(key, [Date.now()]);
  }

  /** A copy to send across threads. */
  snapshot(): Array<[string, number[]]> {
    return [...this.#times];
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

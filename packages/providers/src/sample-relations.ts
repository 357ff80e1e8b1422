// Samples sent together should name each other as a provider's related events do (one customer, the
// invoice's payment intent, one pull request from opened to merged), and come in time order, since
// consumers order events by the provider's timestamps (deployments orders a pull request's by
// updated_at, to the second).

/**
 * Ids shared by the samples of one run, made the first time a sample asks for them, and a clock that
 * moves one second per sample. Opaque to callers: make one with newSampleRelations() and pass it to
 * every sampleDelivery of the run.
 */
export class SampleRelations {
  readonly #values = new Map<string, unknown>();
  #samples = 0;
  #baseSeconds: number | undefined;

  /** The value under `key`, made by `make` the first time. */
  shared<T>(key: string, make: () => T): T {
    if (!this.#values.has(key)) this.#values.set(key, make());
    return this.#values.get(key) as T;
  }

  /** Replaces the value under `key` for the samples after this one (a pull request's new head commit). */
  advance<T>(key: string, value: T): T {
    this.#values.set(key, value);
    return value;
  }

  /**
   * The time of the next sample: a minute before the first sample's `now`, then a second later for
   * each sample, so a run of up to sixty reads as having already happened, in order.
   */
  nextTime(now: Date): Date {
    this.#baseSeconds ??= Math.floor(now.getTime() / 1000) - 60;
    const seconds = this.#baseSeconds + this.#samples;
    this.#samples += 1;
    return new Date(seconds * 1000);
  }
}

export const newSampleRelations = (): SampleRelations => new SampleRelations();

/** What one sample draws on: ids shared with its run (or its own), and its time. */
export interface SampleContext {
  /** The value under `key`: shared with the run's other samples when related, else made for this sample alone. */
  shared<T>(key: string, make: () => T): T;
  /** Replaces the value under `key` for the run's later samples. */
  advance<T>(key: string, value: T): T;
  /** When the sample's event happened: `now` alone, or the run's next tick when related. */
  readonly at: Date;
}

export function sampleContext(related: SampleRelations | undefined, now: Date): SampleContext {
  // Unrelated, a sample still names one customer twice alike, so it gets relations of its own.
  const relations = related ?? new SampleRelations();
  return {
    shared: (key, make) => relations.shared(key, make),
    advance: (key, value) => relations.advance(key, value),
    at: related ? related.nextTime(now) : now,
  };
}

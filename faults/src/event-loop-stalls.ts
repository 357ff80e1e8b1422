// The run's own event loop, which also serves the stand-ins: a stall here is a Slack, PagerDuty or
// GitHub that answers late, so the report says how long the longest one was, per phase.
import { monitorEventLoopDelay } from "node:perf_hooks";

export class EventLoopStalls {
  readonly #histogram = monitorEventLoopDelay({ resolution: 20 });
  readonly #worst = new Map<string, number>();
  #phase: string | undefined;

  constructor() {
    this.#histogram.enable();
  }

  /** Closes the phase before (its worst stall is kept) and starts measuring `phase`. */
  enter(phase: string): void {
    if (this.#phase !== undefined) this.#worst.set(this.#phase, Math.max(this.#worst.get(this.#phase) ?? 0, this.#histogram.max / 1e6));
    this.#histogram.reset();
    this.#phase = phase;
  }

  /** Phases whose worst stall reached `thresholdMs`, with it in ms. */
  over(thresholdMs: number): Array<[string, number]> {
    if (this.#phase !== undefined) this.enter(this.#phase);
    return [...this.#worst].filter(([, ms]) => ms >= thresholdMs);
  }

  stop(): void {
    this.#histogram.disable();
  }
}

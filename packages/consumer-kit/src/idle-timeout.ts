/**
 * Calls `onIdle` once when `ms` pass without a `touch()`: a limit on silence, not on the whole
 * operation, so a long read that keeps making progress is never cut short.
 */
export class IdleTimeout {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
    this.touch();
  }

  /** Some progress: the silence is counted again from now. */
  touch(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#stopped = true;
      this.#onIdle();
    }, this.#ms);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}

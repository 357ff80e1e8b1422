// What a run has started, to be stopped in reverse order: at the end, after a failure, or on Ctrl-C.

export class Teardown {
  readonly #steps: Array<{ what: string; step: () => Promise<unknown> }> = [];

  add(what: string, step: () => Promise<unknown>): void {
    this.#steps.push({ what, step });
  }

  /** Runs every step, last added first; a step that fails is reported and the others still run. */
  async run(say: (line: string) => void): Promise<void> {
    for (let next = this.#steps.pop(); next; next = this.#steps.pop()) {
      await next.step().catch((error: unknown) => say(`stopping ${next?.what} failed: ${String(error)}`));
    }
  }
}

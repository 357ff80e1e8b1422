import type { Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import { recordCircuit, routeConsumerName } from "@hooklog/routes";
import type { CircuitEvents } from "./circuit.ts";

/**
 * Tells of each destination's circuit: one warning as it opens, a line as it closes, and its state
 * written for `hooklog routes list` and the console. One destination's writes go one after the other,
 * so a close is never overtaken by the open before it; a write that fails is logged, the circuit works on.
 */
export class CircuitLog {
  readonly #db: Knex;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #writes = new Map<string, Promise<void>>();

  constructor(db: Knex, prefix: string, logger: Logger) {
    this.#db = db;
    this.#prefix = prefix;
    this.#logger = logger;
  }

  events(route: string, destination: string): CircuitEvents {
    const consumer = routeConsumerName(this.#prefix, route, destination);
    const write = (open: boolean, failures: number, lastError: string | null): void => {
      const previous = this.#writes.get(consumer) ?? Promise.resolve();
      this.#writes.set(
        consumer,
        previous.then(() =>
          recordCircuit(this.#db, { consumer, route, destination, open, failures, lastError }).catch((error: unknown) =>
            this.#logger.error({ err: error, route, destination }, "a circuit's state was not recorded"),
          ),
        ),
      );
    };
    return {
      opened: (failures, probeMs, error) => {
        this.#logger.warn(
          { route, destination, failures, probeMs, err: error },
          `${route}/${destination}: ${failures} deliveries failed in a row; pausing its deliveries, probing every ${probeMs / 1000} s or more`,
        );
        write(true, failures, error.message);
      },
      closed: (pausedMs) => {
        this.#logger.info({ route, destination, pausedMs }, `${route}/${destination}: delivered again; deliveries resume in order`);
        write(false, 0, null);
      },
    };
  }

  /** Resolves once every write asked for so far is done (before the database closes). */
  async settle(): Promise<void> {
    await Promise.all(this.#writes.values());
  }
}

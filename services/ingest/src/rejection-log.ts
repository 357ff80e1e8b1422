import type { Logger } from "@hooklog/logging";

/** What one rejection's log line says: never the body, the signature or a secret. */
export interface Rejection {
  source: string;
  reason: string;
  status: number;
  requestId: string;
  client: string;
}

/** The clients named in a summary, the busiest first. */
const MAX_CLIENTS_NAMED = 10;
/** Clients counted one by one within an interval; a flood from more addresses is counted in all. */
const MAX_CLIENTS_COUNTED = 1000;

interface Window {
  count: number;
  reasons: Map<string, number>;
  clients: Map<string, number>;
  /** Rejections of clients past MAX_CLIENTS_COUNTED. */
  uncounted: number;
  timer: NodeJS.Timeout;
}

/**
 * Logs rejections so that a flood cannot flood the log: a source's first rejection has a line of its
 * own at once; those that follow within the interval are counted, and the interval ends with one
 * summary line (count, reasons, busiest client addresses). A source stays in summary mode while
 * rejections keep coming, so a sustained burst is one line per source per interval.
 */
export class RejectionLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #windows = new Map<string, Window>();

  constructor(logger: Logger, intervalSeconds: number) {
    this.#logger = logger;
    this.#intervalMs = intervalSeconds * 1000;
  }

  record(rejection: Rejection): void {
    const window = this.#windows.get(rejection.source);
    if (!window) {
      this.#logger.warn(rejection, "webhook rejected");
      this.#open(rejection.source);
      return;
    }
    window.count += 1;
    window.reasons.set(rejection.reason, (window.reasons.get(rejection.reason) ?? 0) + 1);
    const seen = window.clients.get(rejection.client);
    if (seen === undefined && window.clients.size >= MAX_CLIENTS_COUNTED) window.uncounted += 1;
    else window.clients.set(rejection.client, (seen ?? 0) + 1);
  }

  /** Logs what is counted and stops the timers (at shutdown). */
  stop(): void {
    for (const [source, window] of this.#windows) {
      clearTimeout(window.timer);
      this.#summarize(source, window);
    }
    this.#windows.clear();
  }

  #open(source: string): void {
    const timer = setTimeout(() => this.#close(source), this.#intervalMs).unref();
    this.#windows.set(source, { count: 0, reasons: new Map(), clients: new Map(), uncounted: 0, timer });
  }

  #close(source: string): void {
    const window = this.#windows.get(source);
    this.#windows.delete(source);
    if (!window || window.count === 0) return;
    this.#summarize(source, window);
    this.#open(source);
  }

  #summarize(source: string, window: Window): void {
    if (window.count === 0) return;
    const busiest = [...window.clients].sort((a, b) => b[1] - a[1]).slice(0, MAX_CLIENTS_NAMED);
    this.#logger.warn(
      {
        source,
        count: window.count,
        seconds: this.#intervalMs / 1000,
        reasons: Object.fromEntries(window.reasons),
        clients: Object.fromEntries(busiest),
        otherClients: window.clients.size - busiest.length,
        ...(window.uncounted > 0 ? { fromClientsNotCounted: window.uncounted } : {}),
      },
      "webhook rejections",
    );
  }
}

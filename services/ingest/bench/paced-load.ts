// An open-loop load at a steady rate: request i is due at start + i / rate, whatever happened to
// the ones before it, and its latency counts from when it was due (so a stall is not hidden by the
// generator waiting on it). autocannon's overallRate is a per-second quota per connection, each
// connection sending back to back until its quota is spent: that measures bursts at full speed for
// part of every second, not a steady half rate. Providers send independently of each other, so a
// steady rate is the shape the half-rate target is about.
//
// The first second is a warm-up at the same rate, reported apart: it opens the connections and meets
// the server (and the generator) straight after the previous run, a transient that would otherwise
// weigh on a 10 s run's p99 as much as the steady state does.
import { Agent, request } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface PacedResult {
  rps: number;
  /** Requests sent, the warm-up's included. */
  sent: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** The generator's own event-loop delay, p99 in ms: a late generator shows as latency too. */
  generatorLagP99: number;
  /** The warm-up second: its p99 and slowest request, in ms. */
  warmup: { p99: number; max: number };
  /** Connection errors by code (a keep-alive socket the server closed as it was reused, say). */
  errorCodes: Record<string, number>;
}

const WARMUP_S = 1;

const quantile = (sorted: readonly number[], q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);

export async function pacedLoad(options: {
  url: string;
  path: string;
  rate: number;
  durationS: number;
  maxSockets: number;
  next: () => { body: string; headers: Record<string, string> };
}): Promise<PacedResult> {
  const { hostname, port } = new URL(options.url);
  // FIFO keeps every pooled socket in use; LIFO would leave some idle past the server's keep-alive
  // timeout, to be closed just as they are picked up again.
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: "fifo" });
  const warmupCount = Math.floor(options.rate * WARMUP_S);
  const total = warmupCount + Math.floor(options.rate * options.durationS);
  // Each request still has its own event id and signature, made before the clock starts so that
  // signing does not delay the sends.
  const prepared = Array.from({ length: total }, () => options.next());
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const latencies: number[] = [];
  const warmupLatencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];

  const send = (index: number, due: number): Promise<void> =>
    new Promise((resolve) => {
      const { body, headers } = prepared[index] as { body: string; headers: Record<string, string> };
      const outgoing = request(
        { hostname, port, path: options.path, method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on("end", () => {
            if (index < warmupCount) {
              warmupLatencies.push(performance.now() - due);
            } else {
              latencies.push(performance.now() - due);
              if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
            }
            resolve();
          });
        },
      );
      outgoing.on("error", (error: NodeJS.ErrnoException) => {
        if (index >= warmupCount) {
          errors += 1;
          errorCodes[error.code ?? error.message] = (errorCodes[error.code ?? error.message] ?? 0) + 1;
        }
        resolve();
      });
      outgoing.end(body);
    });

  const measuredFrom = started + WARMUP_S * 1000;
  let lagging = false;
  while (sent < total) {
    const now = performance.now();
    if (sent >= warmupCount && !lagging) {
      lag.enable();
      lagging = true;
    }
    while (sent < total && started + (sent * 1000) / options.rate <= now) {
      inFlight.push(send(sent, started + (sent * 1000) / options.rate));
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  lag.disable();
  const elapsedS = (performance.now() - measuredFrom) / 1000;
  agent.destroy();
  latencies.sort((x, y) => x - y);
  warmupLatencies.sort((x, y) => x - y);
  return {
    rps: latencies.length / elapsedS,
    sent,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    non2xx,
    errors,
    errorCodes,
    generatorLagP99: lag.percentile(99) / 1e6,
    warmup: { p99: quantile(warmupLatencies, 0.99), max: Math.round(warmupLatencies.at(-1) ?? Number.NaN) },
  };
}

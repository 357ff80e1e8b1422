// An open-loop load at a steady rate: request i is due at start + i / rate, whatever happened to
// the ones before it, and its latency counts from when it was due (so a stall is not hidden by the
// generator waiting on it). autocannon's overallRate is a per-second quota per connection, each
// connection sending back to back until its quota is spent: that measures bursts at full speed for
// part of every second, not a steady half rate. Providers send independently of each other, so a
// steady rate is the shape the half-rate target is about.
import { Agent, request } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface PacedResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** The generator's own event-loop delay, p99 in ms: a late generator shows as latency too. */
  generatorLagP99: number;
}

export async function pacedLoad(options: {
  url: string;
  path: string;
  rate: number;
  durationS: number;
  maxSockets: number;
  next: () => { body: string; headers: Record<string, string> };
}): Promise<PacedResult> {
  const { hostname, port } = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const total = Math.floor(options.rate * options.durationS);
  // Each request still has its own event id and signature, made before the clock starts so that
  // signing does not delay the sends.
  const prepared = Array.from({ length: total }, () => options.next());
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const latencies: number[] = [];
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
            latencies.push(performance.now() - due);
            if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
            resolve();
          });
        },
      );
      outgoing.on("error", () => {
        errors += 1;
        resolve();
      });
      outgoing.end(body);
    });

  while (sent < total) {
    const now = performance.now();
    while (sent < total && started + (sent * 1000) / options.rate <= now) {
      inFlight.push(send(sent, started + (sent * 1000) / options.rate));
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  lag.disable();
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const at = (q: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN);
  return { rps: latencies.length / elapsedS, p50: at(0.5), p99: at(0.99), non2xx, errors, generatorLagP99: lag.percentile(99) / 1e6 };
}

// The end-to-end bench's load generator, in a process of its own so that signing and sending do not
// take the CPU of the consumer being measured (which runs in the bench's process). An open loop:
// event i is due at start + i / rate whatever happened to the ones before it. Each event is sent as a
// Stripe-signed POST, and its send time (epoch ms, sub-millisecond) is reported back with the answer.
//
// Environment: URL (the server's base URL), PATH_NAME, SECRET, RATE (per second), SECONDS, WARMUP_S,
// PREFIX (of the provider event ids). Reports one IPC message: { sent: PostedEvent[] }.
import { createHmac } from "node:crypto";
import { Agent, request } from "node:http";

export interface PostedEvent {
  providerEventId: string;
  /** Epoch ms when the request was due: latencies count from here, so a late generator shows as latency too. */
  dueAt: number;
  /** Epoch ms when the request was written. */
  sentAt: number;
  /** Epoch ms when the answer ended. */
  answeredAt: number;
  status: number;
  /** Sent in the warm-up: not measured. */
  warmup: boolean;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`post-load: ${name} is not set`);
  return value;
};
const url = new URL(env("URL"));
const path = env("PATH_NAME");
const secret = env("SECRET");
const rate = Number(env("RATE"));
const seconds = Number(env("SECONDS"));
const warmupS = Number(env("WARMUP_S"));
const prefix = env("PREFIX");
const now = (): number => performance.timeOrigin + performance.now();

const warmupCount = Math.floor(rate * warmupS);
const total = warmupCount + Math.floor(rate * seconds);
const agent = new Agent({ keepAlive: true, maxSockets: 64, scheduling: "fifo" });
// Bodies are made before the clock starts; each is signed when it is sent (Stripe's tolerance).
const bodies = Array.from({ length: total }, (_, index) => {
  const providerEventId = `${prefix}_${index}`;
  const body = JSON.stringify({
    id: providerEventId,
    object: "event",
    type: "invoice.paid",
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `in_${index}`, object: "invoice", amount_paid: 4200, currency: "eur" } },
  });
  return { providerEventId, body };
});

const sent: PostedEvent[] = [];
const inFlight: Array<Promise<void>> = [];
const post = (index: number, dueAt: number): Promise<void> =>
  new Promise((resolve) => {
    const { providerEventId, body } = bodies[index] as { providerEventId: string; body: string };
    const t = Math.floor(Date.now() / 1000);
    const signature = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    const entry: PostedEvent = { providerEventId, dueAt, sentAt: now(), answeredAt: 0, status: 0, warmup: index < warmupCount };
    sent.push(entry);
    const outgoing = request(
      {
        hostname: url.hostname,
        port: url.port,
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "stripe-signature": `t=${t},v1=${signature}` },
      },
      (response) => {
        response.resume();
        response.on("end", () => {
          entry.answeredAt = now();
          entry.status = response.statusCode ?? 0;
          resolve();
        });
      },
    );
    outgoing.on("error", () => {
      entry.answeredAt = now();
      resolve();
    });
    outgoing.end(body);
  });

const started = now();
let next = 0;
while (next < total) {
  while (next < total && started + (next * 1000) / rate <= now()) {
    inFlight.push(post(next, started + (next * 1000) / rate));
    next += 1;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await Promise.all(inFlight);
agent.destroy();
process.send?.({ sent }, () => process.exit(0));

// Adjacent free ports on the loopback interface, for infra's three-broker cluster (brokers on port,
// port+2, port+4, each controller one above): each port of the run is tried, not only the first.
import { randomInt } from "node:crypto";
import { createServer } from "node:net";

// Below Linux's ephemeral range (32768-60999 by default): outgoing connections, of which a run under
// load opens thousands, never take these ports between the check and Kafka's bind.
const RANGE = { from: 20_000, to: 32_000 };
const ATTEMPTS = 200;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that are all free now, from a random start, so two runs rarely try the same ports. */
export async function freePortRun(count: number): Promise<number> {
  const start = randomInt(RANGE.from, RANGE.to - count);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const base = RANGE.from + ((start - RANGE.from + attempt * count) % (RANGE.to - RANGE.from - count));
    const ports = Array.from({ length: count }, (_, offset) => base + offset);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1 between ${RANGE.from} and ${RANGE.to} after ${ATTEMPTS} tries`);
}

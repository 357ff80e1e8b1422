// Adjacent free ports on the loopback interface, for infra's three-broker cluster (brokers on port,
// port+2, port+4, each controller one above): each port of the run is tried, not only the first.
import { createServer } from "node:net";
import { freePort } from "@hooklog/testkit";

const ATTEMPTS = 50;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that are all free now; the kernel's choice of a free port is the starting guess. */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const base = await freePort();
    if (base + count - 1 > 65_535) continue;
    const ports = Array.from({ length: count }, (_, offset) => base + offset);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1 after ${ATTEMPTS} tries`);
}

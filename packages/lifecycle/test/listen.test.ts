import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, it } from "node:test";
import { createLogger } from "@hooklog/logging";
import { closeServer, listenOrExit } from "../src/index.ts";

describe("listenOrExit", () => {
  const logger = createLogger({ service: "listen-test", level: "silent" });
  let server: Server | undefined;

  afterEach(async () => {
    if (server?.listening) await closeServer(server);
  });

  it("binds to loopback when no host is given, so a port is never public by accident", async () => {
    server = createServer();
    await listenOrExit(server, 0, { logger, service: "listen-test", portVariable: "LISTEN_TEST_PORT" });

    assert.equal((server.address() as AddressInfo).address, "127.0.0.1");
  });

  it("binds to the host it is given", async () => {
    server = createServer();
    await listenOrExit(server, 0, { logger, service: "listen-test", portVariable: "LISTEN_TEST_PORT", host: "0.0.0.0" });

    assert.equal((server.address() as AddressInfo).address, "0.0.0.0");
  });
});

import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Counter, Registry } from "prom-client";
import { operationsHandler, type Readiness } from "../src/index.ts";

describe("the operations face every service shares", () => {
  const registry = new Registry();
  new Counter({ name: "hooklog_test_things_total", help: "things", registers: [registry] }).inc(3);
  let readiness: Readiness = { ready: false, body: { status: "not ready", checks: { kafka: false } } };
  const failures: string[] = [];
  let server: Server;
  let base: string;

  before(async () => {
    const operations = operationsHandler({
      registry,
      ready: async () => readiness,
      routes: {
        "POST /reconcile": async (_request, response) => void response.writeHead(202).end(),
        "POST /explode": async () => {
          throw new Error("secret detail");
        },
      },
      onError: (_error, route) => failures.push(route),
    });
    // The last handler stands for express's next(): requests the operations face does not know.
    server = createServer((request, response) =>
      operations(request, response, request.url === "/webhooks/x" ? () => response.writeHead(299).end() : undefined),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers /healthz, /metrics in Prometheus' format, and /readyz by the service's own checks", async () => {
    const health = await fetch(`${base}/healthz?probe=1`);
    assert.deepEqual([health.status, await health.json()], [200, { status: "ok" }]);

    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(await metrics.text(), /^hooklog_test_things_total 3$/m);

    const notReady = await fetch(`${base}/readyz`);
    assert.deepEqual([notReady.status, await notReady.json()], [503, { status: "not ready", checks: { kafka: false } }]);
    readiness = { ready: true, body: { status: "ready" } };
    const ready = await fetch(`${base}/readyz`);
    assert.deepEqual([ready.status, await ready.json()], [200, { status: "ready" }]);
  });

  it("serves the service's own routes, and answers a route that threw 500 without its message, telling the service", async () => {
    assert.equal((await fetch(`${base}/reconcile`, { method: "POST" })).status, 202);

    const failed = await fetch(`${base}/explode`, { method: "POST" });
    const body = await failed.text();
    assert.equal(failed.status, 500);
    assert.doesNotMatch(body, /secret detail/);
    assert.deepEqual(failures, ["POST /explode"]);
  });

  it("passes what it does not know on when there is a next handler, else answers 404 naming its routes", async () => {
    assert.equal((await fetch(`${base}/webhooks/x`, { method: "POST" })).status, 299);

    const unknown = await fetch(`${base}/nowhere`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), {
      error: { code: "not_found", message: "Routes: GET /healthz, GET /metrics, GET /readyz, POST /reconcile, POST /explode." },
    });
  });
});

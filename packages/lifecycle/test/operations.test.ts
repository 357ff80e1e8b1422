import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Counter, Registry } from "prom-client";
import { operationsHandler, type Readiness } from "../src/index.ts";

const ADMIN_TOKEN = "hla_b3BlcmF0aW9ucy10ZXN0LXRva2Vu";

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
        "POST /explode": async () => {
          throw new Error("secret detail");
        },
      },
      adminRoutes: { "POST /reconcile": async (_request, response) => void response.writeHead(202).end() },
      adminTokens: [ADMIN_TOKEN],
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
    assert.equal((await fetch(`${base}/reconcile`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 202);

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
      error: { code: "not_found", message: "Routes: GET /healthz, GET /metrics, GET /readyz, POST /explode, POST /reconcile." },
    });
  });

  it("answers an admin route 401 with a Bearer challenge and the error shape unless the request bears an admin token, counting each refusal", async () => {
    const unsent = await fetch(`${base}/reconcile`, { method: "POST", body: "{}" });
    const wrong = await fetch(`${base}/reconcile`, { method: "POST", headers: { authorization: "Bearer hla_bm90LXRoZS1hZG1pbi10b2tlbg" } });
    const basic = await fetch(`${base}/reconcile`, { method: "POST", headers: { authorization: "Basic YWRtaW46YWRtaW4=" } });
    const metrics = await registry.metrics();

    assert.deepEqual([unsent.status, wrong.status, basic.status], [401, 401, 401]);
    assert.equal(unsent.headers.get("www-authenticate"), 'Bearer realm="hooklog"');
    assert.equal(wrong.headers.get("www-authenticate"), 'Bearer realm="hooklog", error="invalid_token"');
    assert.deepEqual(await unsent.json(), {
      error: { code: "unauthorized", message: "This endpoint requires an admin token: send Authorization: Bearer <token>." },
    });
    assert.deepEqual(await wrong.json(), { error: { code: "unauthorized", message: "The admin token was not accepted." } });
    assert.match(metrics, /^hooklog_admin_auth_failures_total\{route="POST \/reconcile",refusal="missing"\} 1$/m);
    assert.match(metrics, /^hooklog_admin_auth_failures_total\{route="POST \/reconcile",refusal="not_accepted"\} 1$/m);
    assert.match(metrics, /^hooklog_admin_auth_failures_total\{route="POST \/reconcile",refusal="malformed"\} 1$/m);
  });

  it("keeps /healthz and /metrics open whatever the Authorization header says", async () => {
    const health = await fetch(`${base}/healthz`, { headers: { authorization: "Bearer not-an-admin-token" } });
    const metrics = await fetch(`${base}/metrics`);

    assert.deepEqual([health.status, metrics.status], [200, 200]);
  });
});

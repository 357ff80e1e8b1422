import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { InfraError } from "../src/errors.ts";
import { repoRoot } from "../src/paths.ts";
import type { StackEndpoints } from "../src/stack.ts";
import { startZipkin, zipkinArgs, zipkinEnv, zipkinSettings, zipkinTraceUrlTemplate } from "../src/zipkin.ts";

describe("Zipkin's settings and command line", () => {
  it("listens on 127.0.0.1:9411 with a bounded heap and span count by default; ZIPKIN_PORT moves it, HOOKLOG_ZIPKIN=0 turns it off", () => {
    const defaults = zipkinSettings({});
    assert.deepEqual(defaults, { enabled: true, port: 9411, heap: "256m", maxSpans: 50_000 });
    assert.equal(zipkinSettings({ ZIPKIN_PORT: "19411" }).port, 19411);
    assert.equal(zipkinSettings({ HOOKLOG_ZIPKIN: "0" }).enabled, false);

    const args = zipkinArgs(defaults, "/dist/zipkin-server-exec.jar");

    assert.ok(args.includes("-Xmx256m"), args.join(" "));
    assert.ok(args.includes("-Dhooklog.component=zipkin"), "the marker that ties the pid file to this process");
    assert.deepEqual(args.slice(args.indexOf("-jar")), [
      "-jar",
      "/dist/zipkin-server-exec.jar",
      "--armeria.ports[0].port=9411",
      "--armeria.ports[0].ip=127.0.0.1",
      "--armeria.ports[0].protocols[0]=http",
    ]);
  });

  it("stores spans in memory and takes none of the shell's variables that would switch on Zipkin's collectors or move its port", () => {
    const env = zipkinEnv(zipkinSettings({}), { PATH: "/usr/bin", KAFKA_BOOTSTRAP_SERVERS: "127.0.0.1:9092", QUERY_PORT: "1", STORAGE_TYPE: "cassandra3" });

    assert.deepEqual(env, { PATH: "/usr/bin", STORAGE_TYPE: "mem", MEM_MAX_SPANS: "50000", SELF_TRACING_ENABLED: "false" });
  });
});

describe("the stack's Zipkin", () => {
  let endpoints: StackEndpoints;

  before(async () => {
    // infra's own command, as testkit starts the stack: idempotent, it starts only what is missing.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--disable-warning=TimeoutNegativeWarning", join(repoRoot, "infra", "src", "cli.ts"), "up", "--json"],
      {
        cwd: repoRoot,
        env: { ...process.env, HOOKLOG_ZIPKIN: "1" },
        maxBuffer: 1024 * 1024,
      },
    );
    endpoints = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as StackEndpoints;
  });

  it("is up after up(), and gives back by trace id a span POSTed in Zipkin v2 JSON", async () => {
    const url = endpoints.zipkinUrl;
    assert.ok(url, `up --json names Zipkin: ${JSON.stringify(endpoints)}`);
    const traceId = randomBytes(16).toString("hex");
    const span = {
      traceId,
      id: randomBytes(8).toString("hex"),
      name: "post /webhooks/stripe",
      kind: "SERVER",
      timestamp: Date.now() * 1000,
      duration: 1500,
      localEndpoint: { serviceName: "hooklog-zipkin-test" },
    };

    const posted = await fetch(`${url}/api/v2/spans`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([span]) });

    assert.equal(posted.status, 202);
    const trace = await eventually("the span in Zipkin", async () => {
      const response = await fetch(`${url}/api/v2/trace/${traceId}`);
      return response.ok ? ((await response.json()) as Array<typeof span>) : undefined;
    });
    assert.deepEqual(trace, [span]);
    // The console's link to it: Zipkin's UI page of this trace.
    const page = await fetch(zipkinTraceUrlTemplate(url).replace("{traceId}", traceId));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Zipkin<\/title>/);
  });

  it("is used as it is by a stack that did not start it (another state directory), rather than started twice", async () => {
    const url = endpoints.zipkinUrl;
    assert.ok(url);
    const state = mkdtempSync(join(tmpdir(), "hooklog-zipkin-"));
    const previous = process.env.HOOKLOG_STATE_DIR;
    process.env.HOOKLOG_STATE_DIR = state;
    try {
      const running = await startZipkin(zipkinSettings({ ZIPKIN_PORT: new URL(url).port }));

      assert.deepEqual(running, { url, started: false });
    } finally {
      if (previous === undefined) delete process.env.HOOKLOG_STATE_DIR;
      else process.env.HOOKLOG_STATE_DIR = previous;
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe("Zipkin's port taken by something else", () => {
  let server: Server;

  before(async () => {
    server = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is a PORT_TAKEN error that names ZIPKIN_PORT and HOOKLOG_ZIPKIN, and nothing is started", async () => {
    const { port } = server.address() as AddressInfo;
    const state = mkdtempSync(join(tmpdir(), "hooklog-zipkin-"));
    const previous = process.env.HOOKLOG_STATE_DIR;
    process.env.HOOKLOG_STATE_DIR = state;
    try {
      await assert.rejects(startZipkin(zipkinSettings({ ZIPKIN_PORT: String(port) })), (error: unknown) => {
        assert.ok(error instanceof InfraError);
        assert.equal(error.code, "PORT_TAKEN");
        assert.match(error.message, new RegExp(`Port ${port} is taken`));
        assert.match(error.hint, /ZIPKIN_PORT/);
        assert.match(error.hint, /HOOKLOG_ZIPKIN=0/);
        return true;
      });
    } finally {
      if (previous === undefined) delete process.env.HOOKLOG_STATE_DIR;
      else process.env.HOOKLOG_STATE_DIR = previous;
      rmSync(state, { recursive: true, force: true });
    }
  });
});

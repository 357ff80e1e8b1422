import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { startRecordingServer, type RecordingServer } from "@hooklog/testkit";

const run = promisify(execFile);
const fixture = join(import.meta.dirname, "fixtures", "spans.ts");

/** Runs the fixture under the register hook with exactly the exporter variables given (the shell's are dropped). */
async function runFixture(spans: number, variables: Record<string, string>, fetchUrl?: string): Promise<{ stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, OTEL_SERVICE_NAME: "fixture-zipkin", ...variables };
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_ZIPKIN_ENDPOINT", "HOOKLOG_TRACE_FILE", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"])
    if (!(name in variables)) delete env[name];
  return run(
    process.execPath,
    ["--import", "@hooklog/telemetry/register", "--disable-warning=TimeoutNegativeWarning", fixture, String(spans), ...(fetchUrl ? [fetchUrl] : [])],
    {
      env,
      timeout: 60_000,
    },
  );
}

interface ZipkinSpan {
  traceId: string;
  id: string;
  name: string;
  timestamp: number;
  duration: number;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

describe("span export", () => {
  let zipkin: RecordingServer;
  let otlp: RecordingServer;

  before(async () => {
    zipkin = await startRecordingServer({ status: 202 });
    otlp = await startRecordingServer({ status: 200, headers: { "content-type": "application/json" }, body: "{}" });
  });
  after(async () => {
    await zipkin.close();
    await otlp.close();
  });

  it("sends a span to OTEL_EXPORTER_ZIPKIN_ENDPOINT as Zipkin v2 JSON, named for the service, and the export itself makes no span", async () => {
    const before = zipkin.requests().length;

    await runFixture(1, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans` });

    const requests = zipkin.requests().slice(before);
    assert.equal(requests.length, 1, "one batch");
    const [request] = requests;
    assert.equal(request?.method, "POST");
    assert.equal(request?.path, "/api/v2/spans");
    assert.match(String(request?.headers["content-type"]), /^application\/json/);
    const spans = request?.json as ZipkinSpan[];
    assert.equal(spans.length, 1, `only the fixture's span: ${JSON.stringify(spans.map((span) => span.name))}`);
    const [span] = spans;
    assert.equal(span?.name, "fixture.span-0");
    assert.equal(span?.localEndpoint?.serviceName, "fixture-zipkin");
    assert.match(span?.traceId ?? "", /^[0-9a-f]{32}$/);
    assert.match(span?.id ?? "", /^[0-9a-f]{16}$/);
    assert.equal(span?.tags?.["fixture.index"], "0");
    assert.ok(Number.isInteger(span?.timestamp) && Math.abs((span?.timestamp ?? 0) / 1000 - Date.now()) < 60_000, "timestamp in epoch microseconds");
  });

  it("shows an effect's fetch() as a client span of the trace it was made in", async () => {
    const api = await startRecordingServer({ status: 200, body: "ok" });
    const before = zipkin.requests().length;
    try {
      await runFixture(1, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans` }, `${api.url}/v2/enqueue`);
    } finally {
      await api.close();
    }

    const spans = zipkin
      .requests()
      .slice(before)
      .flatMap((request) => request.json as Array<ZipkinSpan & { parentId?: string; kind?: string }>);
    const parent = spans.find((span) => span.name === "fixture.span-0");
    const call = spans.find((span) => span.kind === "CLIENT");
    assert.ok(parent && call, `spans: ${JSON.stringify(spans.map((span) => [span.name, span.kind]))}`);
    assert.equal(call.traceId, parent.traceId);
    assert.equal(call.parentId, parent.id);
    assert.equal(call.tags?.["http.request.method"], "POST");
    assert.equal(call.tags?.["url.full"], `${api.url}/v2/enqueue`);
    assert.equal(String(api.requests()[0]?.headers.traceparent).split("-")[1], parent.traceId, "the API is told the trace too");
  });

  it("sends spans only to OTEL_EXPORTER_OTLP_ENDPOINT when both endpoints are set, and says so at start", async () => {
    const zipkinBefore = zipkin.requests().length;
    const otlpBefore = otlp.requests().length;

    const { stdout } = await runFixture(1, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans`, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });

    assert.deepEqual(
      otlp
        .requests()
        .slice(otlpBefore)
        .map((request) => request.path),
      ["/v1/traces"],
    );
    assert.equal(zipkin.requests().length, zipkinBefore, "nothing went to Zipkin");
    const line = stdout
      .split("\n")
      .filter(Boolean)
      .map((text) => JSON.parse(text) as { msg?: string; zipkinEndpoint?: string; service?: string })
      .find((entry) => entry.msg?.includes("OTEL_EXPORTER_OTLP_ENDPOINT"));
    assert.ok(line, `a log line says OTLP wins; stdout: ${stdout}`);
    assert.equal(line.zipkinEndpoint, `${zipkin.url}/api/v2/spans`);
    assert.equal(line.service, "fixture-zipkin");
  });

  it("samples root spans as OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG say", async () => {
    const exported = async (variables: Record<string, string>): Promise<number> => {
      const before = zipkin.requests().length;
      await runFixture(200, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans`, ...variables });
      return zipkin
        .requests()
        .slice(before)
        .flatMap((request) => request.json as ZipkinSpan[]).length;
    };

    const half = await exported({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.5" });
    // 200 independent draws at 0.5: outside 50-150 once in about 10^12 runs.
    assert.ok(half >= 50 && half <= 150, `about half of 200 root spans exported, not ${half}`);
    assert.equal(await exported({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" }), 0);
    assert.equal(await exported({ OTEL_TRACES_SAMPLER: "always_on" }), 200);
  });

  it("batches as the OTEL_BSP_* variables say", async () => {
    const before = zipkin.requests().length;

    await runFixture(3, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin.url}/api/v2/spans`, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1" });

    const batches = zipkin
      .requests()
      .slice(before)
      .map((request) => (request.json as ZipkinSpan[]).map((span) => span.name));
    assert.deepEqual(batches.flat().sort(), ["fixture.span-0", "fixture.span-1", "fixture.span-2"]);
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [1, 1, 1],
    );
  });
});

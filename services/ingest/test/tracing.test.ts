// Ingest's OpenTelemetry contract, as production runs it: main.ts under the telemetry hook, spans
// read back from HOOKLOG_TRACE_FILE, and the trace context each event carries into Kafka.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createKafka, ensureTopics } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import { SpanKind, type SpanRecord } from "@hooklog/telemetry";
import { readTopic, startServiceProcess, testStack, uniqueName, type ReadMessage, type ServiceProcess } from "@hooklog/testkit";
import { post, stripeDelivery, stripeEventBody, type Answer } from "./deliveries.ts";

/** Spans are written when they end; the server span's end comes after the answer has been sent. */
const SPAN_WAIT_MS = 15_000;

type Scenario = "fresh" | "continued" | "forged";

interface TracedSource {
  name: string;
  topic: string;
  secret: string;
}

async function readSpans(file: string, until: (records: SpanRecord[]) => boolean): Promise<SpanRecord[]> {
  const deadline = Date.now() + SPAN_WAIT_MS;
  for (;;) {
    // The file does not exist until the first span has ended.
    const text = await readFile(file, "utf8").catch(() => "");
    const records = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as SpanRecord);
    if (until(records) || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The spans of one trace, compactly, for assertion messages. */
function describeTrace(records: SpanRecord[], traceId: string | undefined): string {
  const spans = records.filter((span) => span.traceId === traceId);
  return JSON.stringify(spans.map(({ name, kind, spanId, parentSpanId, attributes }) => ({ name, kind, spanId, parentSpanId, attributes })));
}

function pick(attributes: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, attributes[key]]));
}

function headerText(message: ReadMessage, name: string): string | undefined {
  const value = message.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : String(first);
}

function acceptedEventId(answer: Answer): string {
  assert.equal(answer.status, 202, answer.text);
  const { eventId } = answer.json as { eventId?: unknown };
  assert.equal(typeof eventId, "string", answer.text);
  return eventId as string;
}

/** A W3C traceparent as a provider that traces its own deliveries would send it. */
function providerTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

// A source and topic per scenario: each test finds exactly its own request's server span and message.
describe("ingest traces each webhook from the HTTP request into the event's Kafka headers", { concurrency: true }, () => {
  const sources = {} as Record<Scenario, TracedSource>;
  let service: ServiceProcess;
  let kafkaBrokers: string;
  let directory: string;
  let traceFile: string;

  const isServerSpanOf = (span: SpanRecord, source: TracedSource): boolean =>
    span.kind === SpanKind.SERVER && span.attributes["url.path"] === `/webhooks/${source.name}`;
  const isPublishSpanOf = (span: SpanRecord, source: TracedSource): boolean => span.kind === SpanKind.PRODUCER && span.name === `publish ${source.topic}`;

  function onlyServerSpan(records: SpanRecord[], source: TracedSource): SpanRecord {
    const servers = records.filter((span) => isServerSpanOf(span, source));
    assert.equal(servers.length, 1, `server spans for POST /webhooks/${source.name}: ${JSON.stringify(servers)}`);
    return servers[0] as SpanRecord;
  }

  async function onlyMessage(source: TracedSource): Promise<ReadMessage> {
    const messages = await readTopic(kafkaBrokers, source.topic, { toEnd: true });
    assert.equal(messages.length, 1, `messages on ${source.topic}`);
    return messages[0] as ReadMessage;
  }

  before(async () => {
    const stack = await testStack();
    kafkaBrokers = stack.kafkaBrokers;
    for (const scenario of ["fresh", "continued", "forged"] as const) {
      sources[scenario] = {
        name: uniqueName(`traced-${scenario}`),
        topic: uniqueName(`webhooks.traced-${scenario}`),
        secret: `whsec_${randomBytes(16).toString("hex")}`,
      };
    }
    directory = await mkdtemp(join(tmpdir(), "hooklog-ingest-tracing-"));
    traceFile = join(directory, "spans.jsonl");
    const configPath = join(directory, "hooklog.config.yaml");
    const file = {
      sources: Object.fromEntries(Object.values(sources).map((source) => [source.name, { provider: "stripe", topic: source.topic, partitions: 3 }])),
    };
    // YAML is a superset of JSON, so the sources file is written as JSON.
    await writeFile(configPath, JSON.stringify(file, null, 2));
    await ensureTopics(
      createKafka({ clientId: "ingest-tracing-test", brokers: kafkaBrokers.split(",") }),
      Object.values(sources).map((source) => ({ name: source.topic, partitions: 3 })),
    );
    service = await startServiceProcess(
      "ingest",
      {
        HOOKLOG_CONFIG: configPath,
        KAFKA_BROKERS: stack.kafkaBrokers,
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        DATABASE_URL: stack.databaseUrl,
        HOOKLOG_TRACE_FILE: traceFile,
        ...Object.fromEntries(Object.values(sources).map((source) => [secretEnvVar(source.name), source.secret])),
      },
      "INGEST_PORT",
    );
  });

  after(async () => {
    await service?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("an accepted event: the server span names source, provider, event and verification, and parents the producer span whose context the message carries", async () => {
    const source = sources.fresh;
    const { body, eventId: providerEventId } = stripeEventBody();

    const answer = await post(service.url, source.name, stripeDelivery(body, source.secret));
    const records = await readSpans(traceFile, (all) => all.some((span) => isServerSpanOf(span, source)) && all.some((span) => isPublishSpanOf(span, source)));
    const message = await onlyMessage(source);

    const eventId = acceptedEventId(answer);
    const server = onlyServerSpan(records, source);
    const trace = describeTrace(records, server.traceId);
    const expected = {
      "hooklog.source": source.name,
      "hooklog.provider": "stripe",
      "hooklog.provider_event_id": providerEventId,
      "hooklog.event_type": "charge.succeeded",
      "hooklog.verification": "ok:stripe-v1",
      "hooklog.event_id": eventId,
      "http.response.status_code": 202,
    };
    assert.deepEqual(pick(server.attributes, Object.keys(expected)), expected, `the server span's attributes; its trace: ${trace}`);
    const producers = records.filter((span) => isPublishSpanOf(span, source));
    assert.equal(producers.length, 1, `publish spans: ${JSON.stringify(producers)}`);
    const producer = producers[0] as SpanRecord;
    assert.deepEqual(
      { traceId: producer.traceId, parentSpanId: producer.parentSpanId, eventId: producer.attributes["hooklog.event_id"] },
      { traceId: server.traceId, parentSpanId: server.spanId, eventId },
      `the publish span's place in the trace: ${trace}`,
    );
    assert.equal(headerText(message, "hooklog-event-id"), eventId);
    assert.equal(headerText(message, "traceparent"), `00-${server.traceId}-${producer.spanId}-01`);
  });

  it("a provider's W3C traceparent is continued: the server span joins its trace and the Kafka message carries the same trace id", async () => {
    const source = sources.continued;
    const provider = providerTraceparent();
    const signed = stripeDelivery(stripeEventBody().body, source.secret);

    const answer = await post(service.url, source.name, { body: signed.body, headers: { ...signed.headers, traceparent: provider.header } });
    const records = await readSpans(traceFile, (all) => all.some((span) => isServerSpanOf(span, source)) && all.some((span) => isPublishSpanOf(span, source)));
    const message = await onlyMessage(source);

    const eventId = acceptedEventId(answer);
    const server = onlyServerSpan(records, source);
    assert.deepEqual({ traceId: server.traceId, parentSpanId: server.parentSpanId }, { traceId: provider.traceId, parentSpanId: provider.spanId });
    const producers = records.filter((span) => isPublishSpanOf(span, source));
    assert.equal(producers.length, 1, `publish spans: ${JSON.stringify(producers)}`);
    const producer = producers[0] as SpanRecord;
    assert.deepEqual({ traceId: producer.traceId, eventId: producer.attributes["hooklog.event_id"] }, { traceId: provider.traceId, eventId });
    assert.equal(headerText(message, "hooklog-event-id"), eventId);
    assert.equal(headerText(message, "traceparent"), `00-${provider.traceId}-${producer.spanId}-01`);
  });

  it("a wrong signature is answered 401 and its server span says signature_mismatch, with no producer span in its trace", async () => {
    const source = sources.forged;
    const forged = stripeDelivery(stripeEventBody().body, `whsec_${randomBytes(16).toString("hex")}`);

    const answer = await post(service.url, source.name, forged);
    const records = await readSpans(traceFile, (all) => all.some((span) => isServerSpanOf(span, source)));

    assert.equal(answer.status, 401);
    assert.equal((answer.json as { error?: { code?: string } }).error?.code, "signature_mismatch");
    const server = onlyServerSpan(records, source);
    const trace = describeTrace(records, server.traceId);
    // Any producer span would have ended before the answer, so before the server span was written.
    assert.deepEqual(
      records.filter((span) => span.traceId === server.traceId && span.kind === SpanKind.PRODUCER),
      [],
      `the trace: ${trace}`,
    );
    assert.deepEqual(
      pick(server.attributes, ["hooklog.verification", "http.response.status_code"]),
      { "hooklog.verification": "signature_mismatch", "http.response.status_code": 401 },
      `the server span's attributes; its trace: ${trace}`,
    );
  });
});

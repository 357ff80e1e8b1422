import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { createKafka, ensureTopics } from "@hooklog/kafka";
import { testStack, uniqueName } from "@hooklog/testkit";
import { SpanKind, type SpanRecord } from "../src/index.ts";

const run = promisify(execFile);
const fixture = (name: string): string => join(import.meta.dirname, "fixtures", name);

function spans(file: string): SpanRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRecord);
}

async function runTraced(script: string, args: string[], traceFile: string, service: string): Promise<void> {
  await run(process.execPath, ["--import", "@hooklog/telemetry/register", "--disable-warning=TimeoutNegativeWarning", fixture(script), ...args], {
    env: { ...process.env, HOOKLOG_TRACE_FILE: traceFile, OTEL_SERVICE_NAME: service },
    timeout: 60_000,
  });
}

describe("trace context through Kafka", () => {
  it("makes the span that produced a message the parent of the consumer's span in another process", async () => {
    const { kafkaBrokers } = await testStack();
    const topic = uniqueName("traced");
    await ensureTopics(createKafka({ clientId: "trace-test", brokers: kafkaBrokers.split(",") }), [{ name: topic, partitions: 1 }]);
    const folder = mkdtempSync(join(tmpdir(), "hooklog-trace-"));
    const producerSpans = join(folder, "producer.jsonl");
    const consumerSpans = join(folder, "consumer.jsonl");

    await runTraced("produce.ts", [kafkaBrokers, topic], producerSpans, "fixture-producer");
    await runTraced("consume.ts", [kafkaBrokers, topic, uniqueName("traced-group")], consumerSpans, "fixture-consumer");

    const produced = spans(producerSpans);
    const consumed = spans(consumerSpans);
    const publish = produced.find((span) => span.name === "fixture.publish");
    const send = produced.find((span) => span.kind === SpanKind.PRODUCER);
    const process_ = consumed.find((span) => span.kind === SpanKind.CONSUMER);
    const handle = consumed.find((span) => span.name === "fixture.handle");
    assert.ok(
      publish && send && process_ && handle,
      `spans missing: producer ${JSON.stringify(produced.map((s) => s.name))}, consumer ${JSON.stringify(consumed.map((s) => s.name))}`,
    );

    assert.equal(send.parentSpanId, publish.spanId, "the kafkajs send span is a child of the application's span");
    assert.equal(process_.traceId, publish.traceId, "the consumer continues the producer's trace");
    assert.equal(process_.parentSpanId, send.spanId, "the consumer's span is a child of the send span");
    assert.equal(handle.parentSpanId, process_.spanId, "the handler's span is a child of the consumer's span");
    assert.equal(handle.service, "fixture-consumer");
  });
});

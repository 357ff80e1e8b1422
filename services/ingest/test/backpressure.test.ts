// Kafka black-holed (its process stopped with SIGSTOP: connections are taken and never answered)
// while providers keep posting: ingest, run as its own process, must hold a bounded amount of memory
// and refuse what is past the bound at once, then accept again once Kafka answers.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kafkaPid } from "@hooklog/infra";
import { SchemaRegistryClient, createKafka, ensureTopics, webhookTopicSpec } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import { secretEnvVar } from "@hooklog/sources";
import { readTopic, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { startIngestProcess } from "./ingest-process.ts";
import { githubDelivery, post, postRetryingUnavailable, type Answer } from "./deliveries.ts";

const MIB = 1024 * 1024;
const MAX_PENDING = 4 * MIB;
const managed = kafkaPid() !== undefined;

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return Number(kib) * 1024;
}

const pushOf = (bytes: number): string =>
  JSON.stringify({ ref: "refs/heads/main", repository: { full_name: "octo-org/big" }, blob: randomBytes(bytes / 2).toString("hex") });

describe("ingest while Kafka takes connections and never answers", { skip: managed ? false : "Kafka is not run by infra here" }, () => {
  const source = { name: uniqueName("blackhole"), topic: uniqueName("webhooks.blackhole"), secret: randomBytes(20).toString("hex") };
  let directory: string | undefined;
  let ingest: ServiceProcess | undefined;
  let stopped = false;
  const resume = () => {
    const pid = kafkaPid();
    if (stopped && pid !== undefined) process.kill(pid, "SIGCONT");
    stopped = false;
  };

  before(async () => {
    const stack = await testStack();
    directory = await mkdtemp(join(tmpdir(), "hooklog-ingest-blackhole-"));
    const configPath = join(directory, "hooklog.config.yaml");
    await writeFile(
      configPath,
      JSON.stringify({ sources: { [source.name]: { provider: "github", topic: source.topic, partitions: 3, maxBodyBytes: 2 * MIB } } }),
    );
    await ensureTopics(createKafka({ clientId: "ingest-blackhole-test", brokers: stack.kafkaBrokers.split(",") }), [
      webhookTopicSpec({ topic: source.topic, partitions: 3, maxBodyBytes: 2 * MIB }),
    ]);
    ingest = await startIngestProcess(configPath, {
      INGEST_MAX_PENDING_BYTES: String(MAX_PENDING),
      INGEST_PRODUCE_TIMEOUT_MS: "3000",
      [secretEnvVar(source.name)]: source.secret,
    });
  });

  after(async () => {
    resume();
    await ingest?.kill();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("holds at most INGEST_MAX_PENDING_BYTES of events, answers the rest 503 overloaded at once, and loses none it answered 202", async () => {
    const service = ingest as ServiceProcess;
    const send = async (bytes: number): Promise<{ answer: Answer; deliveryId: string }> => {
      const delivery = await githubDelivery(pushOf(bytes), source.secret, "push");
      return { answer: await post(service.url, source.name, delivery), deliveryId: delivery.headers["x-github-delivery"] as string };
    };
    // Warm: the codec registered and the producer connected before Kafka goes away.
    const warm = await send(1024);
    assert.equal(warm.answer.status, 202);

    process.kill(kafkaPid() as number, "SIGSTOP");
    stopped = true;
    // Eight waves of 48 MiB posted while at most 4 MiB may wait. Each wave's refusals must come before
    // any held request times out, and what ingest holds must not grow from one wave to the next.
    const results: Array<{ answer: Answer; deliveryId: string }> = [];
    const residents: number[] = [];
    const held: Array<Promise<unknown>> = [];
    for (let wave = 0; wave < 8; wave++) {
      const codes: string[] = [];
      const requests = Array.from({ length: 48 }, () =>
        send(MIB).then((result) => {
          codes.push((result.answer.json as { error?: { code: string } } | undefined)?.error?.code ?? String(result.answer.status));
          results.push(result);
        }),
      );
      held.push(...requests);
      // Until 40 are refused, or all are answered (the held ones only at the produce timeout).
      await Promise.race([
        Promise.all(requests),
        (async () => {
          while (codes.filter((code) => code === "overloaded").length < 40) await new Promise((resolve) => setTimeout(resolve, 20));
        })(),
      ]);
      assert.ok(codes.filter((code) => code === "overloaded").length >= 40, `wave ${wave}: ${codes.join(", ")}`);
      assert.ok(!codes.includes("kafka_unavailable"), `wave ${wave}: the refusals came before any held request timed out: ${codes.join(", ")}`);
      const metrics = await (await fetch(`${service.opsUrl}/metrics`)).text();
      const pending = Number(/^hooklog_ingest_pending_bytes (\S+)$/m.exec(metrics)?.[1]);
      assert.ok(pending <= MAX_PENDING, `wave ${wave}: ${pending} bytes pending`);
      residents.push(await residentBytes(service.pid));
    }
    await Promise.all(held);

    assert.ok(
      results.every(({ answer }) => answer.status === 503),
      "while Kafka is away nothing is 2xx",
    );
    for (const { answer } of results.filter(({ answer }) => (answer.json as { error?: { code: string } }).error?.code === "overloaded")) {
      assert.ok(Number(answer.headers.get("retry-after")) > 0);
    }
    const growth = (residents.at(-1) as number) - (residents[0] as number);
    // 384 MiB posted in all; the garbage of reading and refusing them may stay mapped for a while.
    assert.ok(growth < 96 * MIB, `ingest's RSS after each wave (MiB): ${residents.map((bytes) => (bytes / MIB).toFixed(0)).join(", ")}`);

    resume();
    const backIds: string[] = [];
    const { answer: back } = await postRetryingUnavailable(async () => {
      const result = await send(1024);
      backIds.push(result.deliveryId);
      return result.answer;
    });
    assert.equal(back.status, 202, back.text);
    // Every event answered 202 is in the topic: the warm-up and the one after. (A request answered 503
    // while Kafka was away may have landed too: the topic may hold more.)
    const stack = await testStack();
    const codec = await webhookEventCodec(new SchemaRegistryClient(stack.schemaRegistryUrl), source.topic);
    const messages = await readTopic(stack.kafkaBrokers, source.topic, { toEnd: true });
    const written = await Promise.all(messages.map(async (message) => (await codec.decode(message.value ?? Buffer.alloc(0))).providerEventId));
    for (const deliveryId of [warm.deliveryId, backIds.at(-1) as string])
      assert.ok(written.includes(deliveryId), `${deliveryId} was answered 202 and is in the topic`);
  });
});

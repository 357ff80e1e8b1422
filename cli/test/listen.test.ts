import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kafkaPid, startKafka, stopKafka } from "@hooklog/infra";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics, type LogProducer } from "@hooklog/kafka";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { eventually, testStack, uniqueName } from "@hooklog/testkit";
import { Webhook } from "standardwebhooks";
import { startCli, type RunningCli } from "./cli-process.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What the standardwebhooks library made of the signature. */
  verified: boolean;
  answered: number;
}

/** A local endpoint that verifies each delivery with the Standard Webhooks library and answers as `answer` says. */
async function localEndpoint(
  secret: string,
  answer: (body: Buffer, attempt: number) => number,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const verifier = new Webhook(secret);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      let verified = true;
      try {
        verifier.verify(body, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const key = body.toString("base64");
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const status = answer(body, attempt);
      received.push({ headers: request.headers, body, verified, answered: status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}/webhooks`, received };
}

describe("hooklog listen", () => {
  const secret = `whsec_${Buffer.from(uniqueName("listen-secret")).toString("base64")}`;
  const source = uniqueName("listen")
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40);
  const topic = `webhooks.${source}`;
  let stack: Awaited<ReturnType<typeof testStack>>;
  let producer: LogProducer;
  let encode: (event: WebhookEvent) => Promise<Buffer>;
  let env: Record<string, string>;

  before(async () => {
    stack = await testStack();
    const kafka = createKafka({ clientId: "listen-test", brokers: stack.kafkaBrokers.split(",") });
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    const codec = await webhookEventCodec(new SchemaRegistryClient(stack.schemaRegistryUrl), topic);
    encode = (event) => codec.encode(event);
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    const folder = mkdtempSync(join(tmpdir(), "hooklog-listen-"));
    writeFileSync(join(folder, "sources.yaml"), `sources:\n  ${source}:\n    provider: standard-webhooks\n    topic: ${topic}\n    partitions: 1\n`);
    env = {
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      DATABASE_URL: stack.databaseUrl,
      HOOKLOG_CONFIG: join(folder, "sources.yaml"),
    };
  });

  after(async () => {
    await producer.disconnect();
  });

  /** Writes events as ingest does; the payload has bytes a re-encoding would change (spacing, escapes). */
  async function writeEvents(labels: readonly string[], origin: WebhookEvent["origin"] = "webhook"): Promise<WebhookEvent[]> {
    const events = labels.map(
      (label): WebhookEvent => ({
        id: uniqueName("evt"),
        source,
        provider: "standard-webhooks",
        providerEventId: uniqueName(`msg_${label}`),
        type: `order.${label}`,
        providerTimestamp: Date.now(),
        receivedAt: Date.now(),
        origin,
        verification: { scheme: "standard-webhooks-v1", secretIndex: 0 },
        contentType: "application/json",
        headers: {},
        payload: Buffer.from(`{ "label" : "${label}",  "text": "caf\\u00e9 ☕" }`, "utf8"),
      }),
    );
    for (const event of events) {
      await producer.send({ topic, acks: -1, messages: [{ key: event.providerEventId, value: await encode(event) }] });
    }
    return events;
  }

  const delivered = (received: Received[]) => received.filter((entry) => entry.answered < 300);

  it("forwards events in log order, byte for byte and signed, and retries an endpoint that answers 500, keeping the order", async () => {
    const written = await writeEvents(["a1", "a2", "a3"], "webhook");
    const backfilled = await writeEvents(["a4"], "reconciliation");
    // The second event is refused twice: the third must wait for it.
    const endpoint = await localEndpoint(secret, (body, attempt) => (body.includes('"a2"') && attempt <= 2 ? 500 : 204));
    let cli: RunningCli | undefined;
    try {
      cli = startCli(["listen", "--forward-to", endpoint.url, "--source", source, "--from", "beginning", "--secret", secret, "--json"], env);
      const all = [...written, ...backfilled];
      await eventually("four deliveries accepted", () => delivered(endpoint.received).length >= 4, {
        timeoutMs: 60_000,
        context: () => cli?.stderr() ?? "",
      });
      assert.deepEqual(
        endpoint.received.map((entry) => [entry.headers["hooklog-event-id"], entry.answered]),
        [
          [all[0]?.id, 204],
          [all[1]?.id, 500],
          [all[1]?.id, 500],
          [all[1]?.id, 204],
          [all[2]?.id, 204],
          [all[3]?.id, 204],
        ],
      );
      for (const [index, entry] of delivered(endpoint.received).entries()) {
        const event = all[index];
        assert.ok(event);
        assert.ok(entry.verified, "the standardwebhooks library verifies the signature");
        assert.ok(entry.body.equals(event.payload), "the body is the provider's, byte for byte");
        assert.equal(entry.headers["webhook-id"], event.id);
        assert.equal(entry.headers["hooklog-source"], source);
        assert.equal(entry.headers["hooklog-event-type"], event.type);
        assert.equal(entry.headers["hooklog-provider-event-id"], event.providerEventId);
        assert.equal(entry.headers["hooklog-origin"], event.origin);
        assert.equal(entry.headers["content-type"], "application/json");
      }
      await eventually("a line for each delivery", () => (cli?.jsonLines().length ?? 0) >= 4);
      const lines = cli.jsonLines<{ eventId: string; status: number; attempts: number; origin: string }>();
      assert.deepEqual(
        lines.map((line) => [line.eventId, line.status, line.attempts, line.origin]),
        all.map((event) => [event.id, 204, event.id === all[1]?.id ? 3 : 1, event.origin]),
      );
      assert.match(cli.stderr(), /500 {2}attempt 1, again in 1 s/);
      assert.equal(await cli.interrupt(), 0, "Ctrl-C ends it cleanly");
    } finally {
      await cli?.interrupt();
      endpoint.server.close();
    }
  });

  it("forwards what a header cannot carry, signs bytes that are not UTF-8, and does not follow a redirect", async () => {
    const odd = await writeEvents(["odd"]);
    const [oddEvent] = odd;
    assert.ok(oddEvent);
    // A provider may send any string as its type; ingest takes it, so listen must pass it on.
    const strange: WebhookEvent = {
      ...oddEvent,
      id: uniqueName("evt"),
      providerEventId: uniqueName("msg_strange"),
      type: "commande.créée ☕\r\nx-injected: 1",
    };
    const binary: WebhookEvent = {
      ...oddEvent,
      id: uniqueName("evt"),
      providerEventId: uniqueName("msg_binary"),
      payload: Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d]),
    };
    const redirected: WebhookEvent = { ...oddEvent, id: uniqueName("evt"), providerEventId: uniqueName("msg_redirected"), type: "order.redirected" };
    const last: WebhookEvent = { ...oddEvent, id: uniqueName("evt"), providerEventId: uniqueName("msg_last"), type: "order.last" };
    for (const event of [strange, binary, redirected, last]) {
      await producer.send({ topic, acks: -1, messages: [{ key: event.providerEventId, value: await encode(event) }] });
    }
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    // Its own handler: the answer depends on the webhook-id header, and the signature is checked over the raw bytes.
    const endpoint = await localEndpoint(secret, () => 204);
    endpoint.server.removeAllListeners("request");
    const seen: Array<{
      id: string | undefined;
      method: string | undefined;
      url: string | undefined;
      body: Buffer;
      rawSignatureOk: boolean;
      type: string | undefined;
    }> = [];
    endpoint.server.on("request", (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const id = request.headers["webhook-id"] as string | undefined;
        const signed = createHmac("sha256", key).update(`${id}.${request.headers["webhook-timestamp"]}.`).update(body).digest("base64");
        const rawSignatureOk = String(request.headers["webhook-signature"]).split(" ").includes(`v1,${signed}`);
        seen.push({ id, method: request.method, url: request.url, body, rawSignatureOk, type: request.headers["hooklog-event-type"] as string | undefined });
        if (id === redirected.id) response.writeHead(301, { location: "/elsewhere" }).end();
        else response.writeHead(204).end();
      });
    });
    let cli: RunningCli | undefined;
    try {
      cli = startCli(
        [
          "listen",
          "--forward-to",
          endpoint.url,
          "--source",
          source,
          "--from",
          "beginning",
          "--secret",
          secret,
          "--json",
          "--types",
          `${strange.type},order.odd,order.redirected,order.last`,
        ],
        env,
      );
      await eventually("the last event delivered", () => seen.some((entry) => entry.id === last.id), { timeoutMs: 60_000, context: () => cli?.stderr() ?? "" });
      const mine = seen.filter((entry) => [strange.id, binary.id, redirected.id, last.id].includes(entry.id ?? ""));
      assert.deepEqual(
        mine.map((entry) => [entry.id, entry.method, entry.url]),
        [
          [strange.id, "POST", "/webhooks"],
          [binary.id, "POST", "/webhooks"],
          [redirected.id, "POST", "/webhooks"],
          [last.id, "POST", "/webhooks"],
        ],
        "each once, in order; the redirect not followed",
      );
      const [strangeSeen, binarySeen] = mine;
      assert.equal(strangeSeen?.type, encodeURIComponent(strange.type), "a value a header cannot carry is percent-encoded");
      assert.ok(binarySeen?.body.equals(binary.payload), "bytes that are not UTF-8 arrive unchanged");
      assert.ok(
        mine.every((entry) => entry.rawSignatureOk),
        "signed over the bytes sent",
      );
      await eventually("a line for the last event", () => cli?.jsonLines<{ eventId: string }>().some((line) => line.eventId === last.id));
      const redirectLine = cli.jsonLines<{ eventId: string; status: number; delivered: boolean }>().find((line) => line.eventId === redirected.id);
      assert.equal(redirectLine?.status, 301);
      assert.match(cli.stderr(), /301 redirect to \/elsewhere not followed/);
    } finally {
      await cli?.interrupt();
      endpoint.server.close();
    }
  });

  it("refuses an endpoint URL with credentials in it, which fetch cannot send to, as a usage error", async () => {
    const run = await startCli(["listen", "--forward-to", "http://user:secret@127.0.0.1:9/webhooks"], env).exited;
    assert.equal(run, 2);
  });

  it("refuses a signing secret that is not one, as a usage error", async () => {
    const run = await startCli(["listen", "--forward-to", "http://127.0.0.1:9/", "--secret", "whsec_not base64!"], env).exited;
    assert.equal(run, 2);
  });

  const managed = kafkaPid() !== undefined;
  it("keeps forwarding through a Kafka restart, and says so", { skip: managed ? false : "Kafka is not run by infra here" }, async () => {
    const endpoint = await localEndpoint(secret, () => 200);
    let cli: RunningCli | undefined;
    try {
      cli = startCli(["listen", "--forward-to", endpoint.url, "--source", source, "--secret", secret, "--json"], env);
      await eventually("listen to be ready", () => cli?.stderr().includes("Ready: forwarding"), { context: () => cli?.stderr() ?? "" });
      // Written after "Ready": --from now reads it.
      const [first] = await writeEvents(["b1"]);
      assert.ok(first);
      await eventually("the event written after Ready", () => endpoint.received.some((entry) => entry.headers["hooklog-event-id"] === first.id), {
        context: () => cli?.stderr() ?? "",
      });

      await stopKafka();
      await eventually("listen to report that Kafka failed under it", () => cli?.stderr().includes("failed under the reader"), {
        timeoutMs: 90_000,
        context: () => cli?.stderr() ?? "",
      });
      await startKafka();
      await producer.disconnect();
      await producer.connect();
      const later = await writeEvents(["b2", "b3"]);
      await eventually(
        "the events written after the restart",
        () => later.every((event) => endpoint.received.some((entry) => entry.headers["hooklog-event-id"] === event.id)),
        {
          timeoutMs: 120_000,
          context: () => cli?.stderr() ?? "",
        },
      );
      const ids = endpoint.received.map((entry) => entry.headers["hooklog-event-id"]);
      const afterFirst = ids.slice(ids.indexOf(first.id));
      assert.deepEqual(afterFirst, [first.id, ...later.map((event) => event.id)], "each once, in order, nothing after the restart repeated");
      assert.match(cli.stderr(), /Kafka answers again: reading on/);
      assert.equal(cli.process.exitCode, null, "still running");
    } finally {
      await cli?.interrupt();
      endpoint.server.close();
    }
  });
});

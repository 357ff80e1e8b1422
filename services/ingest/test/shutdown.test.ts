// SIGTERM as production sees it: ingest's main.ts in a process of its own stops accepting, finishes the
// request in flight, flushes the producer and exits 0. The request is written by hand over a raw socket,
// so the test decides when its body arrives: half before the signal, the rest after.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SchemaRegistryClient, createKafka, ensureTopics } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import { secretEnvVar } from "@hooklog/sources";
import { readTopic, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { startIngestProcess } from "./ingest-process.ts";
import { stripeDelivery, stripeEventBody } from "./deliveries.ts";

// Deadlines only, so a broken shutdown fails instead of hanging; the grace timer in main.ts ends a stuck stop after 15 s.
const STEP_DEADLINE_MS = 10_000;
const EXIT_DEADLINE_MS = 60_000;

/** A connection whose every received byte is kept, as text, until the server closes it. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves when the socket has closed, with the error that closed it, if any. */
  closed: Promise<string | undefined>;
}

function openConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let error: string | undefined;
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    // Kept, not thrown: a server that drops the connection must fail the assertions, not the process.
    socket.on("error", (cause: NodeJS.ErrnoException) => (error ??= cause.code ?? cause.message));
    const closed = new Promise<string | undefined>((resolveClose) => socket.once("close", () => resolveClose(error)));
    socket.once("connect", () => resolve({ socket, received: () => text, closed }));
    socket.once("error", reject);
  });
}

/** "connected", or the code of the error a new connection to `port` fails with. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** `promise`, or `fallback` if it has not settled within `ms`. */
async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function poll<T>(attempt: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await attempt();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await attempt();
  }
  return value;
}

/** The final response in what a connection received (after any 100 Continue), with its JSON body. */
function finalResponse(received: string): { status: number | undefined; json: unknown } {
  const final = received.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, "");
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(final)?.[1];
  const separator = final.indexOf("\r\n\r\n");
  const body = separator === -1 ? "" : final.slice(separator + 4);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // Not JSON, or nothing: the assertions print what was received instead.
    json = undefined;
  }
  return { status: status === undefined ? undefined : Number(status), json };
}

describe("ingest on SIGTERM, run as a process as in production", () => {
  const source = { name: uniqueName("shutdown"), topic: uniqueName("webhooks.shutdown"), secret: `whsec_${randomBytes(16).toString("hex")}` };
  const { body, eventId: providerEventId } = stripeEventBody();
  let kafkaBrokers: string;
  let schemaRegistryUrl: string;
  let directory: string | undefined;
  let ingest: ServiceProcess | undefined;
  let inFlight: RawConnection | undefined;
  // What the shutdown did, recorded here and asserted by the tests below.
  let newConnection: string;
  let received: string;
  let inFlightError: string | undefined;
  let exitCode: number | null | "still running";

  before(async () => {
    const stack = await testStack();
    ({ kafkaBrokers, schemaRegistryUrl } = stack);
    directory = await mkdtemp(join(tmpdir(), "hooklog-ingest-shutdown-"));
    const configPath = join(directory, "hooklog.config.yaml");
    // YAML is a superset of JSON, so the sources file is written as JSON.
    await writeFile(configPath, JSON.stringify({ sources: { [source.name]: { provider: "stripe", topic: source.topic, partitions: 3 } } }, null, 2));
    // Ingest does not create topics: `npm start` does, before it.
    await ensureTopics(createKafka({ clientId: "ingest-shutdown-test", brokers: kafkaBrokers.split(",") }), [{ name: source.topic, partitions: 3 }]);
    const service = await startIngestProcess(configPath, { LOG_LEVEL: "info", [secretEnvVar(source.name)]: source.secret });
    ingest = service;

    const bytes = Buffer.from(body, "utf8");
    const delivery = stripeDelivery(body, source.secret);
    // Expect: 100-continue makes the server say when it has read the headers: from then on the request
    // is in flight, and closing idle connections must leave it alone.
    const head = [
      `POST /webhooks/${source.name} HTTP/1.1`,
      `Host: 127.0.0.1:${service.port}`,
      ...Object.entries(delivery.headers).map(([name, value]) => `${name}: ${value}`),
      `Content-Length: ${bytes.length}`,
      "Connection: close",
      "Expect: 100-continue",
    ].join("\r\n");
    const half = Math.floor(bytes.length / 2);
    const connection = await openConnection(service.port);
    inFlight = connection;
    connection.socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), bytes.subarray(0, half)]));
    const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
    const early = await poll(connection.received, (text) => text.startsWith(CONTINUE), STEP_DEADLINE_MS);
    assert.ok(early.startsWith(CONTINUE), `ingest did not take the request's headers: ${JSON.stringify(early)}`);

    const exited = service.stop();
    // The listener closes as the signal is handled, a moment after it is sent. A connection the kernel
    // queued just before is reset (ECONNRESET) as it closes; once it is closed, connections are refused.
    newConnection = await poll(
      () => tryConnect(service.port),
      (outcome) => outcome === "ECONNREFUSED",
      STEP_DEADLINE_MS,
    );
    // write, not end: a half-closed connection would abort the request.
    connection.socket.write(bytes.subarray(half));
    inFlightError = await within(connection.closed, EXIT_DEADLINE_MS, "still open");
    connection.socket.destroy();
    received = connection.received();
    exitCode = await within(exited, EXIT_DEADLINE_MS, "still running" as const);
  });

  after(async () => {
    inFlight?.socket.destroy();
    // A no-op once ingest has exited; otherwise the test failed before it did.
    await ingest?.kill();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("refuses new connections once SIGTERM has arrived, while it still serves the request in flight", () => {
    assert.equal(newConnection, "ECONNREFUSED");
    // The answer came after the refusal: what stopped accepting was the listener, not the whole process.
    assert.equal(finalResponse(received).status, 202, `received ${JSON.stringify(received)}`);
  });

  it("answers the request that was in flight at SIGTERM 202 accepted, once the rest of its body arrives", () => {
    const answer = finalResponse(received);
    assert.equal(inFlightError, undefined, `the in-flight connection failed; received ${JSON.stringify(received)}`);
    assert.equal(answer.status, 202, `received ${JSON.stringify(received)}`);
    const { eventId } = answer.json as { eventId?: unknown };
    assert.equal(typeof eventId, "string", `received ${JSON.stringify(received)}`);
    assert.deepEqual(answer.json, { status: "accepted", eventId });
  });

  it("has written that event to the source's topic once, its payload the posted body byte for byte", async () => {
    const codec = await webhookEventCodec(new SchemaRegistryClient(schemaRegistryUrl), source.topic);
    const messages = await readTopic(kafkaBrokers, source.topic, { toEnd: true, timeoutMs: 30_000 });
    const envelopes = await Promise.all(messages.map((message) => codec.decode(message.value ?? Buffer.alloc(0))));

    assert.equal(envelopes.length, 1);
    const [envelope] = envelopes;
    assert.equal(envelope?.providerEventId, providerEventId);
    assert.equal(envelope?.id, (finalResponse(received).json as { eventId?: unknown } | undefined)?.eventId);
    assert.deepEqual(envelope?.payload, Buffer.from(body, "utf8"));
  });

  it("exits 0 on its own after answering it", () => {
    assert.equal(exitCode, 0, `ingest's output:\n${ingest?.output()}`);
  });
});

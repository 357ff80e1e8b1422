import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { startIngest, type IngestHarness } from "./harness.ts";

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
/** Node checks its timeouts once a second here, so a bound is kept to within that. */
const SLACK_MS = 5000;

interface Exchange {
  /** What the server wrote before it closed the connection. */
  received: string;
  /** Milliseconds from connect to the server's close. */
  openMs: number;
}

/** Connects, lets `send` write (slowly if it likes), and collects the answer until the server closes the connection. */
function exchange(url: string, send: (socket: Socket) => Promise<void> | void): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A reset after the answer is still the server closing the connection.
      if (error.code !== "ECONNRESET") reject(error);
    });
    socket.on("close", () => resolve({ received, openMs: Date.now() - started }));
    socket.on("connect", () => void Promise.resolve(send(socket)).catch(reject));
  });
}

const statusOf = (received: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `text` a byte at a time, `everyMs` apart, until the socket closes. */
async function dribble(socket: Socket, text: string, everyMs: number): Promise<void> {
  for (const character of text) {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(character);
    await pause(everyMs);
  }
}

describe("a slow or oversized sender is bounded by the server's limits", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest({
      INGEST_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      INGEST_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      INGEST_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      INGEST_MAX_HEADERS: "50",
    });
  });

  after(async () => {
    await ingest?.stop();
  });

  it("answers headers sent a byte at a time 408 and closes the connection once the headers' time is up", async () => {
    const path = `/webhooks/${ingest.sources.stripe.name}`;

    const { received, openMs } = await exchange(ingest.url, (socket) =>
      dribble(socket, `POST ${path} HTTP/1.1\r\nHost: hooklog\r\nX-Slow: ${"s".repeat(200)}\r\n\r\n`, 100),
    );

    assert.equal(statusOf(received), 408, received);
    assert.ok(openMs < HEADERS_TIMEOUT_MS + SLACK_MS, `the connection stayed open ${openMs} ms`);
  });

  it("answers a body that stops arriving 408 and closes the connection once the request's time is up", async () => {
    const path = `/webhooks/${ingest.sources.stripe.name}`;

    const { received, openMs } = await exchange(ingest.url, (socket) => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: hooklog\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":`);
    });

    assert.equal(statusOf(received), 408, received);
    assert.ok(openMs < REQUEST_TIMEOUT_MS + SLACK_MS, `the connection stayed open ${openMs} ms`);
  });

  it("answers headers larger than the server takes 431", async () => {
    const path = `/webhooks/${ingest.sources.stripe.name}`;

    const { received } = await exchange(ingest.url, (socket) => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: hooklog\r\nX-Big: ${"b".repeat(32 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
    });

    assert.equal(statusOf(received), 431, received);
  });

  it("answers more headers than INGEST_MAX_HEADERS 431 too_many_headers", async () => {
    const path = `/webhooks/${ingest.sources.stripe.name}`;
    const many = Array.from({ length: 60 }, (_, index) => `X-Header-${index}: ${index}\r\n`).join("");

    const { received } = await exchange(ingest.url, (socket) => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: hooklog\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n${many}\r\n{}`);
    });

    assert.equal(statusOf(received), 431, received);
    assert.match(received, /"code":"too_many_headers"/);
  });

  it("answers a source name that is not a valid percent-encoding 404 unknown_source, not 503", async () => {
    const { received } = await exchange(ingest.url, (socket) => {
      socket.write("POST /webhooks/%80 HTTP/1.1\r\nHost: hooklog\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    });

    assert.equal(statusOf(received), 404, received);
    assert.match(received, /"code":"unknown_source"/);
  });

  it("answers an Expect header it cannot meet 417 expectation_failed with its JSON error", async () => {
    const path = `/webhooks/${ingest.sources.stripe.name}`;

    const { received } = await exchange(ingest.url, (socket) => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: hooklog\r\nConnection: close\r\nExpect: \r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    });

    assert.equal(statusOf(received), 417, received);
    assert.match(received, /"code":"expectation_failed"/);
  });

  it("closes a keep-alive connection left idle after its answer", async () => {
    const { received, openMs } = await exchange(ingest.url, (socket) => {
      socket.write("GET /healthz HTTP/1.1\r\nHost: hooklog\r\n\r\n");
    });

    assert.equal(statusOf(received), 200, received);
    assert.ok(openMs < KEEP_ALIVE_TIMEOUT_MS + SLACK_MS, `the idle connection stayed open ${openMs} ms`);
  });
});

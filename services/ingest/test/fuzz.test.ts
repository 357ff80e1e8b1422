// Thousands of random requests at ingest's public port, ingest run as a process as in production.
// Whatever arrives — a method no client sends, a lying Content-Length, a body cut off midway, a
// compressed body that is not, bytes that are not HTTP — gets a documented status with ingest's JSON
// error, or (only for a request that is cut off or malformed) a closed connection; ingest stays up in
// bounded memory, and nothing unsigned reaches a topic. FUZZ_RUNS=<n> runs more; a failure prints the
// seed and path that replay it (fc.assert's own report).
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { createKafka, ensureTopics, webhookTopicSpec, type Kafka } from "@hooklog/kafka";
import { providerModule, type ProviderName } from "@hooklog/providers";
import { secretEnvVar } from "@hooklog/sources";
import { startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import {
  exchange,
  readResponses,
  toWire,
  type Body,
  type Framing,
  type RawExchange,
  type RawResponse,
  type RequestSpec,
  type Size,
  type WireRequest,
} from "./raw-request.ts";

const MIB = 1024 * 1024;
/** A few thousand: well within a minute on two cores. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const MEMORY_BOUND = 400 * MIB;
/** Longer than any answer takes; a request neither answered nor closed by then is a failure. */
const DEADLINE_MS = 10_000;

/** Every status ingest's public port documents. */
const DOCUMENTED = new Set([200, 202, 400, 401, 404, 405, 408, 413, 415, 417, 429, 431, 503]);
/**
 * Statuses Node's http server sends itself, before express sees the request: a status line and
 * "Connection: close", no body (lib/_http_server.js). 400 for a request it cannot parse, or an
 * HTTP/1.1 one without Host; 431 for a head past --max-http-header-size; 413 for chunk extensions past
 * 16 KiB; 408 when its headers or request timeout runs out. (An Expect other than 100-continue is
 * answered 417 by ingest's own listener, with the JSON error.) It closes a CONNECT or PRI request
 * without a word when nothing listens for them.
 */
const NODE_OWN = new Set([400, 408, 413, 431]);
/** Headers the request's framing writes; a random header never takes these names. */
const FRAMING_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade", "content-encoding", "content-type"]);

type Role = "stripe" | "github" | "hmac" | "standard" | "small" | "limited";
const DECLARED: Record<Role, { provider: ProviderName; maxBodyBytes: number; settings: Record<string, unknown> }> = {
  // Without maxBodyBytes: the default, 1 MiB.
  stripe: { provider: "stripe", maxBodyBytes: MIB, settings: {} },
  github: { provider: "github", maxBodyBytes: 256 * 1024, settings: { maxBodyBytes: 256 * 1024 } },
  hmac: {
    provider: "hmac",
    maxBodyBytes: 64 * 1024,
    settings: {
      maxBodyBytes: 64 * 1024,
      hmac: { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=", timestampHeader: "x-timestamp" },
    },
  },
  standard: { provider: "standard-webhooks", maxBodyBytes: 128 * 1024, settings: { maxBodyBytes: 128 * 1024 } },
  small: { provider: "stripe", maxBodyBytes: 1024, settings: { maxBodyBytes: 1024 } },
  // One request, then one per 100 s: longer than this file runs.
  limited: { provider: "github", maxBodyBytes: 16 * 1024, settings: { maxBodyBytes: 16 * 1024, rateLimit: { requestsPerSecond: 0.01, burst: 1 } } },
};
const ROLES = Object.keys(DECLARED) as Role[];
/** The size "the limit" means for a path that names no configured source. */
const OTHER_LIMIT = 64 * 1024;

// --- What a random request is made of ---------------------------------------------------------------

type Target = { role: Role; suffix: string } | { path: string };
interface FuzzRequest {
  client: string;
  method: string;
  target: Target;
  version: string;
  host: string | undefined;
  contentType: string | undefined;
  encoding: { name: string; compressed: boolean } | undefined;
  expect: string | undefined;
  headers: Array<[string, string]>;
  /** A header Node's parser refuses: a name that is not a token, or a value with control characters. */
  malformedHeader: [string, string] | undefined;
  body: Body;
  framing: Framing;
  keepAlive: boolean;
  cut: number | undefined;
}

const weighted = <T>(...choices: Array<[number, fc.Arbitrary<T>]>): fc.Arbitrary<T> =>
  fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const repeated = (min: number, max: number, unit: string) => fc.integer({ min, max }).map((count) => unit.repeat(count));

const headerValue = weighted<string>([6, fc.string({ maxLength: 40 })], [2, fc.string({ unit: "grapheme", maxLength: 20 })], [1, repeated(1000, 12_000, "v")]);
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
/** Shaped as each provider's, so verification gets as far as comparing; "{now}" becomes the current time. */
const providerHeader = weighted<[string, string]>(
  [2, fc.tuple(fc.constant("stripe-signature"), weighted([3, hex(64).map((digest) => `t={now},v1=${digest}`)], [1, headerValue]))],
  [2, fc.tuple(fc.constant("x-hub-signature-256"), weighted([3, hex(64).map((digest) => `sha256=${digest}`)], [1, headerValue]))],
  [2, fc.tuple(fc.constant("x-signature"), weighted([3, hex(64).map((digest) => `sha256=${digest}`)], [1, headerValue]))],
  [2, fc.tuple(fc.constant("webhook-signature"), weighted([3, fc.base64String({ minLength: 44, maxLength: 44 }).map((mac) => `v1,${mac}`)], [1, headerValue]))],
  [2, fc.tuple(fc.constantFrom("x-timestamp", "webhook-timestamp"), weighted([3, fc.constant("{now}")], [1, headerValue]))],
  [3, fc.tuple(fc.constantFrom("x-github-delivery", "x-github-event", "x-request-id", "webhook-id"), headerValue)],
);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/).filter((name) => !FRAMING_HEADERS.has(name));
// Control characters, CR and LF among them.
const controlText = fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 20 }).filter((text) => /[^ -~]/.test(text));
const headers = fc
  .tuple(
    fc.array(providerHeader, { maxLength: 5 }),
    weighted<Array<[string, string]>>(
      [12, fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 })],
      [1, fc.integer({ min: 50, max: 3000 }).map((count) => Array.from({ length: count }, (_, index): [string, string] => [`h${index}`, "1"]))],
    ),
  )
  .map(([signed, other]) => [...signed, ...other]);

const target = weighted<Target>(
  [12, fc.record({ role: fc.constantFrom(...ROLES), suffix: fc.constant("") })],
  [3, fc.record({ role: fc.constantFrom(...ROLES), suffix: fc.constantFrom("/", "/extra", "?a=1&b", "?%zz", "#fragment", "%20", ";x", "/..") })],
  [3, fc.stringMatching(/^[a-z0-9-]{1,40}$/).map((name) => ({ path: `/webhooks/${name}` }))],
  [
    3,
    fc
      .constantFrom(
        ...["/webhooks/", "/webhooks", "//", "/", "/webhooks/a/b", "/webhooks//", "*", "/WEBHOOKS/x", "http://127.0.0.1/webhooks/x"],
        ...[
          "/healthz",
          "/healthz?probe=1",
          "/readyz",
          "/metrics",
          "/webhooks/%",
          "/webhooks/%zz",
          "/webhooks/%00",
          "/webhooks/%2F",
          "/webhooks/..%2F..%2Fhealthz",
        ],
      )
      .map((path) => ({ path })),
  ],
  [2, fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ path: `/webhooks/${[...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("")}` }))],
  // Spaces and control characters: Node refuses the request line.
  [1, fc.string({ unit: "binary-ascii", maxLength: 30 }).map((junk) => ({ path: `/webhooks/${junk}` }))],
  [1, repeated(2000, 20_000, "a").map((name) => ({ path: `/webhooks/${name}` }))],
);

const size = weighted<Size>(
  [6, fc.integer({ min: 0, max: 2048 }).map((bytes) => ({ bytes }))],
  [2, fc.integer({ min: 0, max: 64 * 1024 }).map((bytes) => ({ bytes }))],
  [2, fc.integer({ min: -64, max: 64 }).map((limitPlus) => ({ limitPlus }))],
  // Past the limit many times over: with a real Content-Encoding, a small compressed body that inflates past it.
  [1, fc.integer({ min: 2, max: 8 }).map((limitTimes) => ({ limitTimes }))],
);
const body = fc.oneof<fc.Arbitrary<Body>[]>(
  fc.constant({ kind: "empty" }),
  fc.record({ kind: fc.constant("bytes"), size, seed: fc.integer() }),
  fc.record({ kind: fc.constant("zeros"), size }),
  fc.record({ kind: fc.constant("text"), size, sample: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }) }),
  fc.record({ kind: fc.constant("json"), size, document: fc.record({ id: fc.string(), type: fc.string(), data: fc.jsonValue({ maxDepth: 3 }) }) }),
);

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  client: weighted(
    [1, fc.constant("127.0.0.1")],
    [3, fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((octets) => `127.${octets.join(".")}`)],
  ),
  method: weighted(
    [30, fc.constant("POST")],
    [14, fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")],
    [2, fc.constantFrom("TRACE", "CONNECT", "PRI", "PROPFIND", "PURGE", "QUERY", "post", "Post", "")],
    [1, fc.stringMatching(/^[A-Z]{1,12}$/)],
    [1, fc.string({ unit: "binary-ascii", maxLength: 12 })],
  ),
  target,
  version: weighted(
    [30, fc.constant("HTTP/1.1")],
    [2, fc.constant("HTTP/1.0")],
    [1, fc.constantFrom("HTTP/2.0", "HTTP/1.2", "HTTP/1.1 x", "HTTP/1", "http/1.1", "")],
  ),
  host: weighted<string | undefined>([20, fc.constant("127.0.0.1")], [1, fc.constant(undefined)], [1, headerValue]),
  contentType: weighted<string | undefined>(
    [
      4,
      fc.constantFrom(
        ...["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=latin1"],
        ...["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/jsonx", ";", ""],
      ),
    ],
    [1, fc.constant(undefined)],
    [1, headerValue],
  ),
  encoding: weighted<FuzzRequest["encoding"]>(
    [4, fc.constant(undefined)],
    [
      2,
      fc.record({
        name: weighted([4, fc.constantFrom("gzip", "br", "deflate", "identity", "GZIP", "gzip, br", "x-gzip", "compress", "")], [1, headerValue]),
        compressed: fc.boolean(),
      }),
    ],
  ),
  expect: weighted<string | undefined>([30, fc.constant(undefined)], [2, fc.constant("100-continue")], [1, headerValue]),
  headers,
  malformedHeader: weighted<[string, string] | undefined>(
    [20, fc.constant(undefined)],
    [1, fc.tuple(controlText, headerValue)],
    [1, fc.tuple(headerName, controlText)],
  ),
  body,
  framing: weighted<Framing>(
    [20, fc.constant({ kind: "length" })],
    [
      4,
      fc.record({
        kind: fc.constant("chunked"),
        chunkBytes: fc.integer({ min: 1, max: 16_384 }),
        extension: weighted([6, fc.constant("")], [1, repeated(1, 20_000, "x").map((x) => `;e=${x}`)]),
      }),
    ],
    [1, fc.record({ kind: fc.constantFrom("shorter", "longer"), by: fc.integer({ min: 1, max: 4096 }) })],
    [1, fc.constantFrom<Framing>({ kind: "none" }, { kind: "chunked with length" })],
  ),
  keepAlive: fc.boolean(),
  cut: weighted<number | undefined>([12, fc.constant(undefined)], [1, fc.double({ min: 0, max: 1, noNaN: true })]),
});

// --- The request on the wire -----------------------------------------------------------------------

function toSpec(request: FuzzRequest, names: Record<Role, string>): RequestSpec {
  const now = String(Math.floor(Date.now() / 1000));
  const headers: Array<[string, string]> = [];
  if (request.host !== undefined) headers.push(["Host", request.host]);
  if (request.contentType !== undefined) headers.push(["Content-Type", request.contentType]);
  if (request.encoding !== undefined) headers.push(["Content-Encoding", request.encoding.name]);
  if (request.expect !== undefined) headers.push(["Expect", request.expect]);
  for (const [name, value] of request.headers) headers.push([name, value.replaceAll("{now}", now)]);
  if (request.malformedHeader !== undefined) headers.push(request.malformedHeader);
  const { target } = request;
  return {
    method: request.method,
    path: "role" in target ? `/webhooks/${names[target.role]}${target.suffix}` : target.path,
    version: request.version,
    headers,
    body: request.body,
    bodyLimit: "role" in target ? DECLARED[target.role].maxBodyBytes : OTHER_LIMIT,
    compressAs: request.encoding?.compressed ? request.encoding.name : undefined,
    framing: request.framing,
    keepAlive: request.keepAlive,
    cut: request.cut,
  };
}

// --- What counts as an answer -----------------------------------------------------------------------

const show = (bytes: Buffer): string => JSON.stringify(bytes.subarray(0, 400).toString("latin1"));
const isFinal = (response: RawResponse): boolean => response.status >= 200;
const fromNode = (response: RawResponse): boolean =>
  NODE_OWN.has(response.status) && response.body.length === 0 && !response.headers.has("content-type") && response.headers.get("connection") === "close";

/** Throws when the exchange breaks the contract; otherwise says how it ended, for the tally. */
function judge(sent: WireRequest, { received, ending }: RawExchange): string {
  assert.notEqual(ending, "refused", "ingest refused the connection: it is no longer listening");
  assert.notEqual(ending, "deadline", `neither answered nor closed within ${DEADLINE_MS} ms; received ${show(received)}`);
  const { responses, rest } = readResponses(received, sent.method);
  // A reset may cut an answer short; a connection the server closed itself holds whole responses only.
  if (ending === "closed") assert.equal(rest.length, 0, `received something that is not whole HTTP responses: ${show(received)}`);
  const first = responses.find(isFinal);
  for (const response of responses) checkAnswer(sent, response, response === first);
  if (first === undefined) {
    assert.ok(!sent.mustBeAnswered, `a well-formed request was not answered (connection ${ending}); received ${show(received)}`);
    return "closed unanswered";
  }
  return fromNode(first) ? `${first.status} from Node` : String(first.status);
}

/** `answersRequest`: the first final response (any later one answers bytes that followed a lying length). */
function checkAnswer(sent: WireRequest, response: RawResponse, answersRequest: boolean): void {
  const { status } = response;
  const what = `${status} to ${JSON.stringify(`${sent.method} ${sent.path}`.slice(0, 120))}`;
  if (status < 200) {
    assert.equal(status, 100, `${what}: the only interim answer is 100 Continue`);
    return;
  }
  assert.ok(DOCUMENTED.has(status), `${what}: not a status ingest documents; received ${show(response.body)}`);
  if (status < 300) {
    // A random request carries no valid signature: no webhook is accepted, and only /healthz answers 2xx.
    const probe = answersRequest && (sent.method === "GET" || sent.method === "HEAD") && sent.path.split("?")[0] === "/healthz";
    assert.ok(probe, `${what}: on the public port only GET /healthz answers 2xx to an unsigned request`);
    return;
  }
  if (status < 500 && fromNode(response)) return;
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, `${what}: an error is JSON`);
  // HEAD: the same headers as GET, no body to look into.
  const error = answersRequest && sent.method === "HEAD" ? undefined : errorOf(response.body, what);
  if (status >= 500) {
    assert.equal(status, 503, `${what}: the only 5xx is 503`);
    assert.match(response.headers.get("retry-after") ?? "", /^[1-9]\d*$/, `${what}: a 503 says when to retry`);
    // internal_error means an exception got to the error handler: a request's junk is the sender's fault, never ours.
    assert.notEqual(error?.code, "internal_error", `${what}: the request made ingest fail: ${error?.message}`);
  }
}

function errorOf(body: Buffer, what: string): { code: string; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (cause) {
    assert.fail(`${what}: the body is not JSON (${(cause as Error).message}): ${show(body)}`);
  }
  const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  assert.ok(typeof error?.code === "string" && typeof error.message === "string", `${what}: the body is not { error: { code, message } }: ${show(body)}`);
  return { code: error.code, message: error.message };
}

// --- The run ------------------------------------------------------------------------------------------

async function endOffsets(kafka: Kafka, topics: readonly string[]): Promise<Record<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets: Record<string, string> = {};
    for (const topic of topics) offsets[topic] = (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => `${partition}:${high}`).join(",");
    return offsets;
  } finally {
    await admin.disconnect();
  }
}

async function processStatus(pid: number): Promise<{ state: string; peakBytes: number } | undefined> {
  // No such file: the process has exited (and been reaped).
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  if (status === undefined) return undefined;
  return { state: /^State:\s+(\S)/m.exec(status)?.[1] ?? "?", peakBytes: Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024 };
}

describe("ingest's public port under thousands of random requests", () => {
  const names = Object.fromEntries(ROLES.map((role) => [role, uniqueName(`fuzz-${role}`)])) as Record<Role, string>;
  const topics = Object.fromEntries(ROLES.map((role) => [role, uniqueName(`webhooks.fuzz-${role}`)])) as Record<Role, string>;
  const outcomes = new Map<string, number>();
  let kafka: Kafka;
  let directory: string | undefined;
  let ingest: ServiceProcess | undefined;
  let offsetsBefore: Record<string, string>;

  before(async () => {
    const stack = await testStack();
    directory = await mkdtemp(join(tmpdir(), "hooklog-ingest-fuzz-"));
    const configPath = join(directory, "hooklog.config.yaml");
    const sources = Object.fromEntries(
      ROLES.map((role) => [names[role], { provider: DECLARED[role].provider, topic: topics[role], partitions: 1, ...DECLARED[role].settings }]),
    );
    // YAML is a superset of JSON, so the sources file is written as JSON.
    await writeFile(configPath, JSON.stringify({ sources }, null, 2));
    kafka = createKafka({ clientId: "ingest-fuzz-test", brokers: stack.kafkaBrokers.split(",") });
    await ensureTopics(
      kafka,
      ROLES.map((role) => webhookTopicSpec({ topic: topics[role], partitions: 1, maxBodyBytes: DECLARED[role].maxBodyBytes })),
    );
    const secrets = Object.fromEntries(ROLES.map((role) => [secretEnvVar(names[role]), providerModule(DECLARED[role].provider).newSecret()]));
    ingest = await startServiceProcess(
      "ingest",
      {
        HOOKLOG_CONFIG: configPath,
        KAFKA_BROKERS: stack.kafkaBrokers,
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        DATABASE_URL: stack.databaseUrl,
        ...secrets,
      },
      "INGEST_PORT",
    );
    offsetsBefore = await endOffsets(kafka, Object.values(topics));
  });

  after(async () => {
    await ingest?.kill();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("answers each with a documented status and a JSON error, 5xx only as 503 with Retry-After, 2xx only to GET /healthz, and leaves unanswered only requests cut off or malformed", async () => {
    const service = ingest as ServiceProcess;
    let firstFailure: string | undefined;
    let sent = 0;
    const started = Date.now();
    try {
      await fc.assert(
        fc.asyncProperty(fuzzRequest, async (request) => {
          const wire = toWire(toSpec(request, names));
          const answer = await exchange(service.port, request.client, wire, DEADLINE_MS);
          sent += 1;
          try {
            const outcome = judge(wire, answer);
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          } catch (error) {
            // fast-check reports the shrunk case; the first one is kept too, since after a crash every later request fails.
            firstFailure ??= `${(error as Error).message}\n  request: ${JSON.stringify(request).slice(0, 2000)}`;
            throw error;
          }
        }),
        { numRuns: RUNS },
      );
    } finally {
      const tally = [...outcomes].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })).map(([outcome, count]) => `${outcome}: ${count}`);
      console.log(`fuzz: ${sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ${tally.join(", ")}`);
      if (firstFailure) console.log(`fuzz: the first failure: ${firstFailure}\ningest's output (tail):\n${service.output().slice(-3000)}`);
    }
  });

  it("is still running and answering GET /healthz afterwards, its peak resident memory under 400 MiB", async () => {
    const service = ingest as ServiceProcess;
    const health = await fetch(`${service.url}/healthz`);
    const status = await processStatus(service.pid);

    assert.equal(health.status, 200, `ingest's output:\n${service.output().slice(-3000)}`);
    assert.ok(status !== undefined && status.state !== "Z", `ingest's process ${service.pid} has exited`);
    console.log(`fuzz: ingest's VmHWM ${(status.peakBytes / MIB).toFixed(1)} MiB`);
    assert.ok(status.peakBytes < MEMORY_BOUND, `ingest's peak resident memory ${(status.peakBytes / MIB).toFixed(1)} MiB`);
  });

  it("has written nothing to any source's topic: no random request carries a valid signature", async () => {
    assert.deepEqual(await endOffsets(kafka, Object.values(topics)), offsetsBefore);
  });
});

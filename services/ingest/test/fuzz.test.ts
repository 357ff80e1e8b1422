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
import { providerModule } from "@hooklog/providers";
import { secretEnvVar } from "@hooklog/sources";
import { testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { startIngestProcess } from "./ingest-process.ts";
import { DECLARED, ROLES, fuzzRequest, toSpec, type Role } from "./fuzz-requests.ts";
import { exchange, readResponses, toWire, type RawExchange, type RawResponse, type WireRequest } from "./raw-request.ts";

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
    ingest = await startIngestProcess(configPath, secrets);
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

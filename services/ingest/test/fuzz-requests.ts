// The random requests the fuzz test sends: what fast-check generates, and how one becomes the
// request spec raw-request.ts writes to the wire.
import fc from "fast-check";
import type { ProviderName } from "@hooklog/providers";
import type { Body, Framing, RequestSpec, Size } from "./raw-request.ts";

const MIB = 1024 * 1024;

/** Headers the request's framing writes; a random header never takes these names. */
const FRAMING_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade", "content-encoding", "content-type"]);

export type Role = "stripe" | "github" | "hmac" | "standard" | "small" | "limited";
export const DECLARED: Record<Role, { provider: ProviderName; maxBodyBytes: number; settings: Record<string, unknown> }> = {
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
export const ROLES = Object.keys(DECLARED) as Role[];
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

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({
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

export function toSpec(request: FuzzRequest, names: Record<Role, string>): RequestSpec {
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

// HTTP/1.1 requests written byte for byte on a raw socket, and what came back read as responses.
// fetch and http.request refuse to send much of what a fuzz test must: a method no client knows,
// control characters in a header, a Content-Length that lies, a body cut off midway.
import { connect } from "node:net";
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from "node:zlib";

/** A body's length: in bytes, or relative to the limit of the source it is posted to. */
export type Size = { bytes: number } | { limitPlus: number } | { limitTimes: number };
export type Body =
  | { kind: "empty" }
  | { kind: "bytes"; size: Size; seed: number }
  | { kind: "zeros"; size: Size }
  | { kind: "text"; size: Size; sample: string }
  | { kind: "json"; size: Size; document: unknown };
/** How the body's end is told: truthfully (a length, chunks), by a length that lies, or not at all. */
export type Framing =
  | { kind: "length" }
  | { kind: "chunked"; chunkBytes: number; extension: string }
  | { kind: "shorter" | "longer"; by: number }
  | { kind: "none" | "chunked with length" };

export interface RequestSpec {
  method: string;
  path: string;
  version: string;
  /** In order, as written; the framing's own (Content-Length, Transfer-Encoding, Connection) come after. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Body;
  /** What "the limit" of a body's size is. */
  bodyLimit: number;
  /** Compress the body as this Content-Encoding says, when it names an algorithm. */
  compressAs: string | undefined;
  framing: Framing;
  /** Without it, "Connection: close". */
  keepAlive: boolean;
  /** The fraction of the request's bytes sent before our side closes: a request cut off. */
  cut: number | undefined;
}

export interface WireRequest {
  method: string;
  path: string;
  bytes: Buffer;
  /** Send this many bytes, then close our side. */
  cutAfter: number | undefined;
  /** Whole, well-formed, framed truthfully, and a method Node hands on: it may not be left unanswered. */
  mustBeAnswered: boolean;
}

/** Methods Node's parser knows and hands to the app (it closes CONNECT and PRI itself). */
const HANDED_ON_METHODS = new Set(["POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
/** Node's default --max-http-header-size: past it, Node refuses the head itself. */
const MAX_HEAD_BYTES = 16 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const hasControlCharacter = (text: string): boolean => [...text].some((char) => (char < " " && char !== "\t") || char === "\u007f");

export function toWire(spec: RequestSpec): WireRequest {
  const plain = bodyBytes(spec.body, spec.bodyLimit);
  const payload = spec.compressAs === undefined ? plain : compressed(spec.compressAs, plain);
  const fields = [...spec.headers];
  const { framing } = spec;
  let wire = payload;
  if (framing.kind === "length") fields.push(["Content-Length", String(payload.length)]);
  if (framing.kind === "shorter") fields.push(["Content-Length", String(Math.max(0, payload.length - framing.by))]);
  if (framing.kind === "longer") fields.push(["Content-Length", String(payload.length + framing.by)]);
  if (framing.kind === "chunked" || framing.kind === "chunked with length") {
    fields.push(["Transfer-Encoding", "chunked"]);
    wire = chunked(payload, framing.kind === "chunked" ? framing.chunkBytes : 4096, framing.kind === "chunked" ? framing.extension : "");
  }
  if (framing.kind === "chunked with length") fields.push(["Content-Length", String(payload.length)]);
  if (!spec.keepAlive) fields.push(["Connection", "close"]);
  const requestLine = spec.version === "" ? `${spec.method} ${spec.path}` : `${spec.method} ${spec.path} ${spec.version}`;
  const head = Buffer.from(`${requestLine}\r\n${fields.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`, "utf8");
  const bytes = Buffer.concat([head, wire]);
  const wellFormed =
    HANDED_ON_METHODS.has(spec.method) &&
    /^[!-~]+$/.test(spec.path) &&
    (spec.version === "HTTP/1.1" || spec.version === "HTTP/1.0") &&
    // RFC 9112 3.2: an HTTP/1.1 request without Host is refused (Node answers 400 itself).
    (spec.version === "HTTP/1.0" || fields.some(([name]) => name.toLowerCase() === "host")) &&
    fields.every(([name, value]) => TOKEN.test(name) && !hasControlCharacter(value)) &&
    head.length < MAX_HEAD_BYTES;
  // Chunk extensions past 16 KiB in all: Node answers 413 itself and destroys the connection with the
  // body unread, so the answer may be lost to a reset; nothing a server on Node can change.
  const extensionsRefused = framing.kind === "chunked" && framing.extension.length * 2 > 16 * 1024;
  const framedTruthfully = framing.kind === "length" || (framing.kind === "chunked" && !extensionsRefused) || (framing.kind === "none" && payload.length === 0);
  // A length longer than the body: the rest never comes, so our side closes once the body is sent.
  const cutAt = spec.cut ?? (framing.kind === "longer" ? 1 : undefined);
  return {
    method: spec.method,
    path: spec.path,
    bytes,
    cutAfter: cutAt === undefined ? undefined : Math.floor(bytes.length * cutAt),
    mustBeAnswered: wellFormed && framedTruthfully && cutAt === undefined,
  };
}

function bodyBytes(body: Body, limit: number): Buffer {
  if (body.kind === "empty") return Buffer.alloc(0);
  const { size } = body;
  const length = "bytes" in size ? size.bytes : "limitPlus" in size ? Math.max(0, limit + size.limitPlus) : limit * size.limitTimes;
  if (body.kind === "zeros") return Buffer.alloc(length);
  if (body.kind === "text") return Buffer.alloc(length, body.sample);
  if (body.kind === "bytes") return pseudoRandomBytes(body.seed, length);
  // Padded with whitespace to the size, or cut off inside the document: JSON, or nearly.
  const document = Buffer.from(JSON.stringify(body.document));
  return length <= document.length ? document.subarray(0, length) : Buffer.concat([document, Buffer.alloc(length - document.length, " ")]);
}

/** xorshift32: the same bytes for the same seed, so a replayed run sends what the failing one did. */
function pseudoRandomBytes(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed | 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

function compressed(encoding: string, plain: Buffer): Buffer {
  const name = encoding.toLowerCase();
  if (name === "gzip" || name === "x-gzip") return gzipSync(plain);
  if (name === "deflate") return deflateSync(plain);
  // Brotli's default quality takes seconds for a few MiB.
  if (name === "br") return brotliCompressSync(plain, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } });
  return plain;
}

/** At most ~1000 chunks, whatever the chunk size asked; the extension, if any, on the first and the last. */
function chunked(payload: Buffer, chunkBytes: number, extension: string): Buffer {
  const step = Math.max(chunkBytes, Math.ceil(payload.length / 1000));
  const parts: Buffer[] = [];
  for (let offset = 0; offset < payload.length; offset += step) {
    const chunk = payload.subarray(offset, offset + step);
    parts.push(Buffer.from(`${chunk.length.toString(16)}${offset === 0 ? extension : ""}\r\n`), chunk, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`0${extension}\r\n\r\n`));
  return Buffer.concat(parts);
}

export interface RawExchange {
  /** Every byte the server sent until the exchange ended. */
  received: Buffer;
  /** A final response came whole; or the server closed, reset or refused the connection; or none of these by the deadline. */
  ending: "answered" | "closed" | "reset" | "refused" | "deadline";
}

/**
 * Sends the request from `localAddress` (to the server, a client of its own) on a connection of its
 * own, and collects what comes back until a final response is whole or the connection ends.
 */
export function exchange(port: number, localAddress: string, request: WireRequest, deadlineMs: number): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress });
    const chunks: Buffer[] = [];
    let errorCode: string | undefined;
    const timer = setTimeout(() => finish("deadline"), deadlineMs);
    const finish = (ending: RawExchange["ending"]) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), ending });
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (readResponses(Buffer.concat(chunks), request.method).responses.some((response) => response.status >= 200)) finish("answered");
    });
    // Kept, not thrown: a server that resets a connection is judged by what it sent before.
    socket.on("error", (error: NodeJS.ErrnoException) => (errorCode ??= error.code ?? error.message));
    socket.on("close", () => finish(errorCode === "ECONNREFUSED" ? "refused" : errorCode === undefined ? "closed" : "reset"));
    socket.once("connect", () => {
      // write, not end: a server that allows no half-open connections would close before it answers.
      if (request.cutAfter === undefined) socket.write(request.bytes);
      else socket.end(request.bytes.subarray(0, request.cutAfter));
    });
  });
}

export interface RawResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
}

const HEAD_END = Buffer.from("\r\n\r\n");

/**
 * The whole responses in `received`, in order (interim 1xx ones included), and the bytes after them.
 * The first final response answers `method`: to HEAD it has no body, whatever its Content-Length says.
 */
export function readResponses(received: Buffer, method: string): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < received.length) {
    const headEnd = received.indexOf(HEAD_END, offset);
    const [statusLine = "", ...fields] = received.subarray(offset, Math.max(offset, headEnd)).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)?.[1]);
    if (headEnd === -1 || Number.isNaN(status) || fields.some((field) => field.indexOf(":") <= 0)) break;
    const headers = new Map<string, string>();
    for (const field of fields) {
      const name = field.slice(0, field.indexOf(":")).trim().toLowerCase();
      const value = field.slice(field.indexOf(":") + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    const answersHead = method === "HEAD" && !responses.some((response) => response.status >= 200);
    const bodiless = status < 200 || status === 204 || status === 304 || answersHead;
    const body = bodyOf(received, headEnd + HEAD_END.length, headers, bodiless);
    if (body === undefined) break;
    responses.push({ status, headers, body: body.bytes });
    offset = body.end;
  }
  return { responses, rest: received.subarray(offset) };
}

/** The body from `start`, framed as the headers say; undefined while it has not all arrived. */
function bodyOf(received: Buffer, start: number, headers: Map<string, string>, bodiless: boolean): { bytes: Buffer; end: number } | undefined {
  if (bodiless) return { bytes: Buffer.alloc(0), end: start };
  const length = headers.get("content-length");
  if (length !== undefined) {
    const end = start + Number(length);
    return /^\d+$/.test(length) && end <= received.length ? { bytes: received.subarray(start, end), end } : undefined;
  }
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) return chunkedBody(received, start);
  // Neither: the body runs until the server closes the connection.
  return { bytes: received.subarray(start), end: received.length };
}

function chunkedBody(received: Buffer, start: number): { bytes: Buffer; end: number } | undefined {
  const chunks: Buffer[] = [];
  let offset = start;
  for (;;) {
    const lineEnd = received.indexOf("\r\n", offset);
    const size = Number.parseInt(received.subarray(offset, Math.max(offset, lineEnd)).toString("latin1"), 16);
    if (lineEnd === -1 || Number.isNaN(size)) return undefined;
    if (size === 0) {
      const trailersEnd = received.indexOf(HEAD_END, lineEnd);
      return trailersEnd === -1 ? undefined : { bytes: Buffer.concat(chunks), end: trailersEnd + HEAD_END.length };
    }
    const dataEnd = lineEnd + 2 + size;
    if (dataEnd + 2 > received.length) return undefined;
    chunks.push(received.subarray(lineEnd + 2, dataEnd));
    offset = dataEnd + 2;
  }
}

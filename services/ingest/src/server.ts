import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { afterUnreadBody } from "./discard-body.ts";

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  maxHeaders: number;
}

/**
 * The public port's server, with Node's own bounds on what a sender may hold: headers larger than
 * maxHeaderBytes are answered 431 by Node; headers or a body slower than their timeouts are answered
 * 408 and the connection closed; an idle keep-alive connection is closed. Node counts one header past
 * maxHeaders, so the app can answer 431 too_many_headers rather than drop the rest silently.
 */
export function createPublicServer(listener: RequestListener, limits: ServerLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node checks the two timeouts this often (default 30 s, which would let a slow sender stay that much longer).
      connectionsCheckingInterval: 1000,
    },
    listener,
  );
  server.maxHeadersCount = limits.maxHeaders + 1;
  // Node answers any Expect but 100-continue 417 with no body; this gives it the JSON error every answer has.
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify({ error: { code: "expectation_failed", message: "Only Expect: 100-continue is supported." } });
    afterUnreadBody(request, () => response.writeHead(417, { "content-type": "application/json; charset=utf-8", connection: "close" }).end(body));
  });
  return server;
}

// What the providers' mock APIs share: a local server on a free port and the record of each request.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  status: number;
}

export function recordRequest(request: IncomingMessage, url: URL, status: number): RecordedRequest {
  return { method: request.method ?? "", path: url.pathname, query: url.searchParams, authorization: request.headers.authorization, status };
}

/** Serves `handle` on 127.0.0.1 at a free port. */
export async function startHttpMock(
  handle: (request: IncomingMessage, response: ServerResponse, url: URL) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => handle(request, response, new URL(request.url ?? "/", "http://localhost")));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

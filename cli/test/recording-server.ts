// Slack's incoming webhook and PagerDuty's Events API as a local server: records each request's JSON
// body and answers every one alike, so a test can see what alerts posted.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  path: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

export interface RecordingServer {
  url: string;
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // recorded as not JSON: a test's match on the body then finds nothing
  }
}

export async function startRecordingServer(answer: { status: number; contentType: string; body: string }): Promise<RecordingServer> {
  const recorded: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      recorded.push({ path: request.url ?? "", json: parseJson(Buffer.concat(chunks).toString("utf8")) });
      response.writeHead(answer.status, { "content-type": answer.contentType }).end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...recorded],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

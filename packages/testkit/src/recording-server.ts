// A third-party HTTP API (Slack, PagerDuty, ...) as a local server: records every request and answers as scripted.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  /** What the server answered. */
  status: number;
  receivedAt: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RecordingServer {
  url: string;
  requests(): RecordedRequest[];
  /** Requests whose body matches, e.g. mentions an invoice id. */
  requestsMatching(match: (json: unknown) => boolean): RecordedRequest[];
  /** The next requests whose body matches get these answers, in order; then the default again. */
  script(match: (json: unknown) => boolean, answers: readonly Answer[]): void;
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // recorded as not JSON: the test's assertion on the body says so
  }
}

export async function startRecordingServer(defaultAnswer: Answer): Promise<RecordingServer> {
  const recorded: RecordedRequest[] = [];
  const scripts: Array<{ match: (json: unknown) => boolean; answers: Answer[] }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const json = parseJson(Buffer.concat(chunks).toString("utf8"));
      const scripted = scripts.find((entry) => entry.answers.length > 0 && entry.match(json));
      const answer = scripted?.answers.shift() ?? defaultAnswer;
      recorded.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, json, status: answer.status, receivedAt: Date.now() });
      response.writeHead(answer.status, answer.headers).end(answer.body ?? "");
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
    requestsMatching: (match) => recorded.filter((request) => match(request.json)),
    script: (match, answers) => scripts.push({ match, answers: [...answers] }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

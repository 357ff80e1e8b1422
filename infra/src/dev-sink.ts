import { createServer, type IncomingMessage, type Server } from "node:http";
import { step } from "./progress.ts";

/**
 * For `npm start` without real Slack, PagerDuty or GitHub credentials: a local stand-in that accepts
 * what the services send, answers as those APIs do, and prints one line per call, so a newcomer sees
 * the effects of a webhook end to end. Production sets the real URLs and credentials.
 */
export async function startDevSink(port: number, options: { quiet?: boolean } = {}): Promise<{ server: Server; env: Record<string, string> }> {
  let nextId = 1;
  // A benchmark's thousands of calls a second are not for reading.
  const say = options.quiet ? (_line: string): void => undefined : step;
  const readJson = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const server = createServer(async (request, response) => {
    const url = request.url ?? "/";
    const body = request.method === "POST" ? await readJson(request) : {};
    const json = (status: number, value: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    };
    if (url.startsWith("/slack")) {
      say(`dev-sink: Slack message: ${String(body.text ?? "").slice(0, 200)}`);
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    } else if (url.startsWith("/pagerduty")) {
      say(`dev-sink: PagerDuty ${String(body.event_action)} ${String(body.dedup_key)}`);
      json(202, { status: "success", message: "Event processed", dedup_key: body.dedup_key });
    } else if (url.startsWith("/github/") && request.method === "GET") {
      json(200, []);
    } else if (url.startsWith("/github/") && url.endsWith("/statuses")) {
      say(`dev-sink: GitHub deployment status ${String(body.state)} (${url.replace("/github", "")})`);
      json(201, { id: nextId++, state: body.state });
    } else if (url.startsWith("/github/") && url.endsWith("/deployments")) {
      say(`dev-sink: GitHub deployment of ${String(body.ref)} to ${String(body.environment)}`);
      json(201, { id: nextId++, sha: body.ref, ref: body.ref, environment: body.environment, payload: body.payload ?? {} });
    } else {
      json(404, { message: "Not Found" });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    server,
    env: {
      SLACK_WEBHOOK_URL: `${base}/slack`,
      PAGERDUTY_EVENTS_URL: `${base}/pagerduty`,
      PAGERDUTY_ROUTING_KEY: "dev-routing-key",
      GITHUB_API_BASE: `${base}/github`,
      GITHUB_TOKEN: "dev-token",
    },
  };
}

// GitHub's Deployments API as a local HTTP server: it answers like GitHub, records every request,
// and can be told to fail or stall the next calls for one repository.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  /** Which API call it was, when it was one this fake knows. */
  call: GithubCall | undefined;
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
  /** The repository (owner/name) the path names. */
  repository: string;
  /** Milliseconds since the epoch, when the request arrived. */
  at: number;
}

export type GithubCall = "list-deployments" | "create-deployment" | "list-statuses" | "create-status";

/** What to do instead of a normal answer: answer with this status and headers, or answer normally but late. */
export type Fault = { status: number; headers?: Record<string, string>; message?: string } | { delayMs: number };

interface Deployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  payload: unknown;
  repository: string;
}

export interface DeploymentStatus {
  id: number;
  state: string;
  description: string | null;
}

export interface FakeGithub {
  url: string;
  /** Every request so far, in arrival order; `repository` narrows to one repository. */
  requests(repository?: string): RecordedRequest[];
  /** The requests of one kind for one repository, in arrival order. */
  calls(repository: string, call: GithubCall): RecordedRequest[];
  /** The statuses set on a deployment, oldest first. */
  statuses(deploymentId: number | string): DeploymentStatus[];
  /** The next `times` calls of this kind for this repository get `fault`. */
  failNext(repository: string, call: GithubCall, fault: Fault, times?: number): void;
  close(): Promise<void>;
}

const ROUTES: ReadonlyArray<{ call: GithubCall; method: string; pattern: RegExp }> = [
  { call: "list-deployments", method: "GET", pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments$/ },
  { call: "create-deployment", method: "POST", pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments$/ },
  { call: "list-statuses", method: "GET", pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/ },
  { call: "create-status", method: "POST", pattern: /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/ },
];

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}

export async function startFakeGithub(): Promise<FakeGithub> {
  const recorded: RecordedRequest[] = [];
  const deployments: Deployment[] = [];
  const statuses = new Map<number, DeploymentStatus[]>();
  const faults = new Map<string, Fault[]>();
  let nextId = 4_100_000_000; // above 2^31, as GitHub's deployment ids are

  /** Does what GitHub would at once; `delayMs` only holds back the answer. */
  function respond(call: GithubCall, match: RegExpMatchArray, request: RecordedRequest, response: ServerResponse, delayMs: number): void {
    const answer = (status: number, body: unknown) => setTimeout(() => send(response, status, body), delayMs);
    if (call === "list-deployments") {
      const sha = request.query.get("sha");
      const environment = request.query.get("environment");
      const found = deployments.filter(
        (each) => each.repository === request.repository && (!sha || each.sha === sha) && (!environment || each.environment === environment),
      );
      answer(
        200,
        found.map(({ repository: _repository, ...deployment }) => deployment),
      );
      return;
    }
    if (call === "create-deployment") {
      const body = request.body ?? {};
      const deployment: Deployment = {
        id: nextId++,
        sha: String(body.ref),
        ref: String(body.ref),
        environment: String(body.environment),
        payload: body.payload ?? {},
        repository: request.repository,
      };
      deployments.push(deployment);
      const { repository: _repository, ...visible } = deployment;
      answer(201, {
        ...visible,
        task: "deploy",
        description: body.description,
        transient_environment: body.transient_environment,
        production_environment: body.production_environment,
      });
      return;
    }
    const deploymentStatuses = statuses.get(Number(match[3])) ?? [];
    statuses.set(Number(match[3]), deploymentStatuses);
    if (call === "list-statuses") {
      // GitHub lists a deployment's statuses newest first.
      answer(
        200,
        [...deploymentStatuses].reverse().map((status) => ({ ...status, deployment_url: `/repos/${request.repository}/deployments/${match[3]}` })),
      );
      return;
    }
    const status: DeploymentStatus = {
      id: nextId++,
      state: String(request.body?.state),
      description: typeof request.body?.description === "string" ? request.body.description : null,
    };
    deploymentStatuses.push(status);
    answer(201, { ...status, deployment_url: `/repos/${request.repository}/deployments/${match[3]}` });
  }

  const server = createServer((incoming, response) => {
    void (async () => {
      const url = new URL(incoming.url ?? "/", "http://github.test");
      const route = ROUTES.find((each) => each.method === incoming.method && each.pattern.test(url.pathname));
      const match = route ? url.pathname.match(route.pattern) : null;
      const request: RecordedRequest = {
        call: route?.call,
        method: incoming.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        authorization: incoming.headers.authorization,
        body: await readJson(incoming),
        repository: match ? `${match[1]}/${match[2]}` : "",
        at: Date.now(),
      };
      recorded.push(request);
      if (!route || !match) return send(response, 404, { message: "Not Found" });
      const fault = faults.get(`${request.repository} ${route.call}`)?.shift();
      if (fault && "status" in fault) return send(response, fault.status, { message: fault.message ?? "Service Unavailable" }, fault.headers);
      respond(route.call, match, request, response, fault?.delayMs ?? 0);
    })().catch((error: unknown) => send(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests: (repository) => recorded.filter((request) => repository === undefined || request.repository === repository),
    calls: (repository, call) => recorded.filter((request) => request.repository === repository && request.call === call),
    statuses: (deploymentId) => [...(statuses.get(Number(deploymentId)) ?? [])],
    failNext(repository, call, fault, times = 1) {
      const key = `${repository} ${call}`;
      faults.set(key, [...(faults.get(key) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

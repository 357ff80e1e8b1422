// GitHub's Deployments API as the deployments service calls it
// (https://docs.github.com/en/rest/deployments/deployments): list deployments by sha and environment
// (with their payload, where the service keeps its effect key), create a deployment, list and create statuses.
// A deployment is counted by repository, environment and sha; a status by its deployment and state.
import type { IncomingMessage } from "node:http";
import type { EffectTally } from "./effect-tally.ts";
import { effectKey } from "./effect-tally.ts";
import { listen, readJson, sendJson, type StandIn } from "./stand-in-server.ts";

interface Deployment {
  id: number;
  repository: string;
  sha: string;
  ref: string;
  environment: string;
  payload: unknown;
  statuses: Array<{ id: number; state: string; description: string | null }>;
}

const DEPLOYMENTS = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/;
const STATUSES = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/;

const authorized = (request: IncomingMessage, token: string): boolean =>
  [`token ${token}`, `bearer ${token}`].includes((request.headers.authorization ?? "").toLowerCase());

export function startGithubStandIn(tally: EffectTally, token: string): Promise<StandIn> {
  const deployments = new Map<number, Deployment>();
  let nextId = 4_100_000_000; // above 2^31, as GitHub's deployment ids are

  return listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://github.invalid");
    if (!authorized(request, token.toLowerCase())) {
      sendJson(response, 401, { message: "Requires authentication", documentation_url: "https://docs.github.com/rest" });
      return;
    }
    const listed = DEPLOYMENTS.exec(url.pathname);
    if (listed && request.method === "GET") {
      const repository = `${listed[1]}/${listed[2]}`;
      const sha = url.searchParams.get("sha");
      const environment = url.searchParams.get("environment");
      const found = [...deployments.values()].filter(
        (each) => each.repository === repository && (!sha || each.sha === sha) && (!environment || each.environment === environment),
      );
      sendJson(
        response,
        200,
        found.map(({ repository: _repository, statuses: _statuses, ...visible }) => visible),
      );
      return;
    }
    if (listed && request.method === "POST") {
      const body = await readJson(request);
      if (typeof body?.ref !== "string" || typeof body.environment !== "string") {
        sendJson(response, 422, { message: "Validation Failed", errors: [{ field: "ref", code: "missing_field" }] });
        return;
      }
      const deployment: Deployment = {
        id: nextId++,
        repository: `${listed[1]}/${listed[2]}`,
        sha: body.ref,
        ref: body.ref,
        environment: body.environment,
        payload: body.payload ?? {},
        statuses: [],
      };
      deployments.set(deployment.id, deployment);
      tally.record(effectKey.deployment(deployment.repository, deployment.environment, deployment.sha));
      const { repository: _repository, statuses: _statuses, ...visible } = deployment;
      sendJson(response, 201, { ...visible, task: "deploy", description: body.description ?? null });
      return;
    }
    const status = STATUSES.exec(url.pathname);
    const deployment = status ? deployments.get(Number(status[3])) : undefined;
    if (status && (!deployment || deployment.repository !== `${status[1]}/${status[2]}`)) {
      sendJson(response, 404, { message: "Not Found" });
      return;
    }
    if (deployment && request.method === "GET") {
      // Newest first, as GitHub lists them.
      sendJson(response, 200, [...deployment.statuses].reverse());
      return;
    }
    if (deployment && request.method === "POST") {
      const body = await readJson(request);
      const state = typeof body?.state === "string" ? body.state : "";
      const created = { id: nextId++, state, description: typeof body?.description === "string" ? body.description : null };
      deployment.statuses.push(created);
      tally.record(effectKey.status(deployment.repository, deployment.environment, deployment.sha, state));
      sendJson(response, 201, created);
      return;
    }
    sendJson(response, 404, { message: "Not Found" });
  });
}

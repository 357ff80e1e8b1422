// GitHub deliveries (https://docs.github.com/en/webhooks/webhook-events-and-payloads), signed with
// @octokit/webhooks-methods. A redelivery keeps its X-GitHub-Delivery id and body, as GitHub's does.
import { randomBytes, randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import type { SignedDelivery } from "./signed-delivery.ts";

const GITHUB_USER_AGENT = "GitHub-Hookshot/5f3c2b1";
const OWNER = "octo-faults";
const REPOSITORY = { id: 1296269, name: "shop", full_name: `${OWNER}/shop`, private: false, owner: { login: OWNER, id: 583231, type: "Organization" } };
const SENDER = { login: "octocat", id: 1, type: "User" };

export interface GithubDelivery {
  deliveryId: string;
  event: string;
  body: string;
}

const sha = (): string => randomBytes(20).toString("hex");

let nextNumber = 1;

/** A pull request opened: deployments asks GitHub for a preview deployment of its head commit. `padTo` bytes make it a large one. */
export function pullRequestOpened(padTo = 0): GithubDelivery & { repository: string; number: number; headSha: string } {
  const number = nextNumber++;
  const headSha = sha();
  const pullRequest = {
    number,
    state: "open",
    title: `Faults run change ${number}`,
    user: SENDER,
    body: "",
    head: { ref: `change-${number}`, sha: headSha },
    base: { ref: "main", sha: sha() },
    merged: false,
    merge_commit_sha: null,
    // GitHub's time of the pull request's state, to the second: deployments skips a state older than the one it holds.
    updated_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const payload = { action: "opened", number, pull_request: pullRequest, repository: REPOSITORY, sender: SENDER };
  const bare = JSON.stringify(payload).length;
  // A long description, as pull requests with pasted logs have: GitHub caps payloads at 25 MB.
  if (padTo > bare) pullRequest.body = "Log excerpt follows. ".repeat(Math.ceil((padTo - bare) / 21));
  return { deliveryId: randomUUID(), event: "pull_request", body: JSON.stringify(payload), repository: REPOSITORY.full_name, number, headSha };
}

let nextRunId = 9_000_000_000;

/** A check run that failed: alerts pages PagerDuty with dedup key github:<repository>:check_run:<id>. */
export function checkRunFailed(): GithubDelivery & { dedupKey: string } {
  const id = nextRunId++;
  const payload = {
    action: "completed",
    check_run: {
      id,
      name: "ci / test",
      status: "completed",
      conclusion: "failure",
      head_sha: sha(),
      html_url: `https://github.com/${REPOSITORY.full_name}/runs/${id}`,
    },
    repository: REPOSITORY,
    sender: SENDER,
  };
  return { deliveryId: randomUUID(), event: "check_run", body: JSON.stringify(payload), dedupKey: `github:${REPOSITORY.full_name}:check_run:${id}` };
}

export async function signGithub(delivery: GithubDelivery, secret: string): Promise<SignedDelivery> {
  return {
    body: Buffer.from(delivery.body),
    headers: {
      "content-type": "application/json",
      "user-agent": GITHUB_USER_AGENT,
      "x-github-event": delivery.event,
      "x-github-delivery": delivery.deliveryId,
      "x-github-hook-id": "292430182",
      "x-github-hook-installation-target-type": "repository",
      "x-hub-signature-256": await sign(secret, delivery.body),
    },
  };
}

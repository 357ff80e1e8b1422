// Failed GitHub checks and workflow runs, as PagerDuty alerts.
// https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_run (check_suite, workflow_run alike)
import { z } from "@hooklog/config";
import type { PagerDutyAlert } from "./pagerduty.ts";
import { parsePayload } from "./payloads.ts";

export const GITHUB_RUN_TYPES = ["check_run.completed", "check_suite.completed", "workflow_run.completed"] as const;
export type GithubRunType = (typeof GITHUB_RUN_TYPES)[number];

const repository = z.object({ full_name: z.string().min(1) });
const conclusion = z.string().nullable();
const runId = z.number().int();

const payloads = {
  check_run: z.object({
    repository,
    check_run: z.object({ id: runId, name: z.string(), conclusion, head_sha: z.string(), html_url: z.string().nullish() }),
  }),
  check_suite: z.object({
    repository,
    check_suite: z.object({ id: runId, conclusion, head_sha: z.string(), head_branch: z.string().nullish(), app: z.object({ name: z.string() }).nullish() }),
  }),
  workflow_run: z.object({
    repository,
    workflow_run: z.object({
      id: runId,
      name: z.string().nullish(),
      conclusion,
      head_sha: z.string(),
      head_branch: z.string().nullish(),
      html_url: z.string().nullish(),
    }),
  }),
} as const;

interface Run {
  kind: keyof typeof payloads;
  repository: string;
  id: number;
  name: string | undefined;
  conclusion: string | null;
  headSha: string;
  headBranch: string | undefined;
  url: string | undefined;
}

function runOf(type: GithubRunType, payload: unknown): Run {
  switch (type) {
    case "check_run.completed": {
      const { repository, check_run: run } = parsePayload(type, payloads.check_run, payload);
      return {
        kind: "check_run",
        repository: repository.full_name,
        id: run.id,
        name: run.name,
        conclusion: run.conclusion,
        headSha: run.head_sha,
        headBranch: undefined,
        url: run.html_url ?? undefined,
      };
    }
    case "check_suite.completed": {
      const { repository, check_suite: suite } = parsePayload(type, payloads.check_suite, payload);
      return {
        kind: "check_suite",
        repository: repository.full_name,
        id: suite.id,
        name: suite.app?.name,
        conclusion: suite.conclusion,
        headSha: suite.head_sha,
        headBranch: suite.head_branch ?? undefined,
        url: undefined,
      };
    }
    case "workflow_run.completed": {
      const { repository, workflow_run: run } = parsePayload(type, payloads.workflow_run, payload);
      return {
        kind: "workflow_run",
        repository: repository.full_name,
        id: run.id,
        name: run.name ?? undefined,
        conclusion: run.conclusion,
        headSha: run.head_sha,
        headBranch: run.head_branch ?? undefined,
        url: run.html_url ?? undefined,
      };
    }
    default: {
      const unknown: never = type;
      throw new Error(`no GitHub run reading for ${String(unknown)}`);
    }
  }
}

/** The page for a completed run that failed; undefined for any other conclusion (success, cancelled, ...). */
export function failedRunAlert(type: GithubRunType, payload: unknown): PagerDutyAlert | undefined {
  const run = runOf(type, payload);
  if (run.conclusion !== "failure") return undefined;
  const label = run.name ? `${run.kind} "${run.name}"` : run.kind;
  const where = run.headBranch ? `${run.headBranch} @ ${run.headSha.slice(0, 7)}` : run.headSha.slice(0, 7);
  return {
    // Stable per failing run: a retry or replay folds into the same incident even without once()'s record.
    dedupKey: `github:${run.repository}:${run.kind}:${run.id}`,
    summary: `GitHub ${label} failed in ${run.repository} (${where})`,
    source: run.repository,
    ...(run.name ? { component: run.name } : {}),
    customDetails: { kind: run.kind, id: run.id, conclusion: run.conclusion, head_sha: run.headSha, head_branch: run.headBranch, url: run.url },
  };
}

// check_run and workflow_run payloads of a completed run on the pull request's current head
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_run, #workflow_run), with
// the fields the alerts consumer pages from: the run's id, name, conclusion, head_sha, branch, url.
import type { JsonObject } from "../json.ts";
import { freshNumber } from "../sample-ids.ts";
import { pullRequestRef, type GitHubLinks } from "./sample-links.ts";

export type RunConclusion = "success" | "failure";

const GITHUB_ACTIONS = { id: 15368, slug: "github-actions", name: "GitHub Actions", owner: { login: "github", id: 9919, type: "Organization" } };

export function checkRunCompleted(links: GitHubLinks, conclusion: RunConclusion): JsonObject {
  const { repository, headSha, at } = links;
  const id = freshNumber();
  const suiteId = freshNumber();
  return {
    action: "completed",
    check_run: {
      id,
      name: "test",
      head_sha: headSha,
      external_id: String(freshNumber()),
      url: `${String(repository.url)}/check-runs/${id}`,
      html_url: `${String(repository.html_url)}/actions/runs/${suiteId}/job/${id}`,
      details_url: `${String(repository.html_url)}/actions/runs/${suiteId}/job/${id}`,
      status: "completed",
      conclusion,
      started_at: at,
      completed_at: at,
      output: {
        title: conclusion === "success" ? "All tests passed" : "2 tests failed",
        summary: conclusion === "success" ? "128 passed" : "126 passed, 2 failed",
        text: null,
        annotations_count: conclusion === "success" ? 0 : 2,
      },
      check_suite: { id: suiteId, head_branch: links.pullRequest.branch, head_sha: headSha, status: "completed", conclusion, app: GITHUB_ACTIONS },
      app: GITHUB_ACTIONS,
      pull_requests: [pullRequestRef(links, headSha)],
    },
    repository,
    sender: links.sender,
  };
}

export function workflowRunCompleted(links: GitHubLinks, conclusion: RunConclusion): JsonObject {
  const { repository, headSha, at } = links;
  const id = freshNumber();
  const workflow = { id: 161335, name: "CI", path: ".github/workflows/ci.yml", state: "active" };
  return {
    action: "completed",
    workflow_run: {
      id,
      name: workflow.name,
      display_title: "Add preview deployments",
      head_branch: links.pullRequest.branch,
      head_sha: headSha,
      path: workflow.path,
      run_number: 1 + (freshNumber() % 900),
      run_attempt: 1,
      event: "pull_request",
      status: "completed",
      conclusion,
      workflow_id: workflow.id,
      check_suite_id: freshNumber(),
      url: `${String(repository.url)}/actions/runs/${id}`,
      html_url: `${String(repository.html_url)}/actions/runs/${id}`,
      pull_requests: [pullRequestRef(links, headSha)],
      created_at: at,
      updated_at: at,
      run_started_at: at,
      actor: links.sender,
      triggering_actor: links.sender,
      head_commit: { id: headSha, message: "Add preview deployments", timestamp: at, author: { name: "Monalisa Octocat", email: "octocat@github.com" } },
      repository,
      head_repository: repository,
    },
    workflow,
    repository,
    sender: links.sender,
  };
}

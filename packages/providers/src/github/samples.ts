// Payloads of the shapes GitHub documents (https://docs.github.com/en/webhooks/webhook-events-and-payloads),
// trimmed to the fields consumers read, with fresh ids.
import { freshNumber } from "../sample-ids.ts";
import type { Json } from "../json.ts";

interface Sample {
  eventName: string;
  payload: (context: { repository: Json; sender: Json; at: string }) => Json;
}

const sha = (): string => Array.from({ length: 40 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");

const pullRequestOpened: Sample = {
  eventName: "pull_request",
  payload: ({ repository, sender, at }) => {
    const number = 1 + (freshNumber() % 5000);
    return {
      action: "opened",
      number,
      pull_request: {
        id: freshNumber(),
        number,
        state: "open",
        title: "Add preview deployments",
        draft: false,
        user: sender,
        head: { ref: "feature/previews", sha: sha() },
        base: { ref: "main", sha: sha() },
        created_at: at,
        updated_at: at,
        html_url: `https://github.com/${String(repository.full_name)}/pull/${number}`,
      },
      repository,
      sender,
    };
  },
};

const push: Sample = {
  eventName: "push",
  payload: ({ repository, sender, at }) => {
    const after = sha();
    return {
      ref: "refs/heads/main",
      before: sha(),
      after,
      created: false,
      deleted: false,
      forced: false,
      commits: [{ id: after, message: "Fix the retry delay", timestamp: at, author: { name: "Monalisa Octocat", email: "octocat@github.com" } }],
      head_commit: { id: after, message: "Fix the retry delay", timestamp: at },
      pusher: { name: "octocat", email: "octocat@github.com" },
      repository,
      sender,
    };
  },
};

const issueOpened: Sample = {
  eventName: "issues",
  payload: ({ repository, sender, at }) => {
    const number = 1 + (freshNumber() % 5000);
    return {
      action: "opened",
      issue: { id: freshNumber(), number, title: "Webhook retries look doubled", state: "open", user: sender, created_at: at },
      repository,
      sender,
    };
  },
};

export const githubSamples: Readonly<Record<string, Sample>> = {
  "pull_request.opened": pullRequestOpened,
  push,
  "issues.opened": issueOpened,
};

/** The event name (X-GitHub-Event) and payload of a sample of `type`. */
export function githubSamplePayload(type: string, now: Date): { eventName: string; payload: Json } {
  const sample = githubSamples[type];
  if (!sample) throw new RangeError(`no GitHub sample of type ${type} (samples: ${Object.keys(githubSamples).join(", ")})`);
  const sender = { login: "octocat", id: 583231, type: "User" };
  const repository = {
    id: freshNumber(),
    name: "hello-world",
    full_name: "octo-org/hello-world",
    private: false,
    owner: { login: "octo-org", id: 6811672, type: "Organization" },
    default_branch: "main",
  };
  return { eventName: sample.eventName, payload: sample.payload({ repository, sender, at: now.toISOString().replace(/\.\d{3}Z$/, "Z") }) };
}

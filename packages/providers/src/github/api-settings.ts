// Reconciliation's access to GitHub's REST API, from the environment.
import { loadConfig, z } from "@hooklog/config";
import type { ApiAccess, ApiReconciliation } from "../api/reconciliation.ts";
import { GitHubApi, createOctokit } from "./api-client.ts";
import { githubHooksOf } from "./options.ts";
import { GitHubReconciler } from "./reconciler.ts";

const settings = {
  /** A token that may read and redeliver repository webhook deliveries; GitHub sources are reconciled only when it is set. */
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_API_BASE: z
    .url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://api.github.com" })
    .transform((value) => value.replace(/\/+$/, ""))
    .default("https://api.github.com"),
  /** redeliver: ask GitHub to deliver a failed delivery again; fetch: write its payload to the log ourselves. */
  RECONCILIATION_GITHUB_MODE: z.enum(["redeliver", "fetch"]).default("redeliver"),
};

export const githubReconciliation: ApiReconciliation = {
  loadAccess(service, env): ApiAccess {
    const { GITHUB_TOKEN: token, GITHUB_API_BASE: baseUrl, RECONCILIATION_GITHUB_MODE: mode } = loadConfig(service, settings, env);
    return {
      missing(source) {
        if (!token) return "set GITHUB_TOKEN to reconcile GitHub sources";
        return githubHooksOf(source).length > 0 ? undefined : "list the source's webhooks under githubHooks: [{ owner, repo, hookId }] in hooklog.config.yaml";
      },
      createReconciler: ({ retry, onRetry, logger, now }) =>
        token ? new GitHubReconciler({ api: new GitHubApi(createOctokit({ token, baseUrl, logger, retry, onRetry })), mode, logger, now }) : undefined,
    };
  },
};

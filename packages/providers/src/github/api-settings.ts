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
  /** Redeliveries GitHub lists for one delivery before reconciliation stops asking and reports it instead. */
  RECONCILIATION_GITHUB_MAX_REDELIVERIES: z.coerce.number().int().min(1).max(20).default(3),
};

/** The GitHub settings reconciliation reads, validated; throws ConfigError naming the variable. */
export const loadGitHubApiSettings = (service: string, env: NodeJS.ProcessEnv) => loadConfig(service, settings, env);

export const githubReconciliation: ApiReconciliation = {
  loadAccess(service, env): ApiAccess {
    const {
      GITHUB_TOKEN: token,
      GITHUB_API_BASE: baseUrl,
      RECONCILIATION_GITHUB_MODE: mode,
      RECONCILIATION_GITHUB_MAX_REDELIVERIES: maxRedeliveries,
    } = loadGitHubApiSettings(service, env);
    return {
      missing(source) {
        if (!token) return "set GITHUB_TOKEN to reconcile GitHub sources";
        return githubHooksOf(source).length > 0 ? undefined : "list the source's webhooks under githubHooks: [{ owner, repo, hookId }] in hooklog.config.yaml";
      },
      notDryRunnable: () =>
        mode === "redeliver"
          ? "in RECONCILIATION_GITHUB_MODE=redeliver its reconciler asks GitHub to redeliver, which a dry run could not hold back: run it without a dry run, or set RECONCILIATION_GITHUB_MODE=fetch (it then writes through the run, which a dry run holds back)"
          : undefined,
      createReconciler: ({ retry, onRetry, logger, now }) =>
        token
          ? new GitHubReconciler({ api: new GitHubApi(createOctokit({ token, baseUrl, logger, retry, onRetry })), mode, maxRedeliveries, logger, now })
          : undefined,
    };
  },
};

// The source's `githubHooks:` block in hooklog.config.yaml: the repository webhooks reconciliation checks.
import { z } from "@hooklog/config";
import { defineProviderOptions } from "../provider-options.ts";
import type { GitHubHook } from "./api-client.ts";

const hooks: z.ZodType<readonly GitHubHook[]> = z.array(
  z.strictObject({ owner: z.string().min(1), repo: z.string().min(1), hookId: z.number().int().positive() }),
);

/** Optional: a GitHub source without it is served, only not reconciled. */
export const githubHooksOption = defineProviderOptions({ key: "githubHooks", schema: hooks, required: false, summary: "[{ owner, repo, hookId }]" });

/** The source's hooks; none when its block is absent. */
export const githubHooksOf = (settings: { readonly options?: unknown }): readonly GitHubHook[] => githubHooksOption.of(settings) ?? [];

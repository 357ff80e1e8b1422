import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { providerModule } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import { statePath } from "./paths.ts";

/** A secret in the form the provider hands out, so the same sender code works in development and production. */
export const newWebhookSecret = (provider: SourceConfig["provider"]): string => providerModule(provider).newSecret();

/**
 * For `npm start` only: every source whose <NAME>_WEBHOOK_SECRET is unset gets a development secret,
 * generated once and kept in .hooklog/dev-secrets.json (mode 600). Returns the variables to set.
 */
export function developmentSecrets(sources: readonly SourceConfig[]): Record<string, string> {
  const file = statePath("dev-secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : {};
  const generated: Record<string, string> = {};
  for (const source of sources) {
    if (source.secrets.length > 0) continue;
    generated[source.secretEnvVar] = stored[source.secretEnvVar] ?? newWebhookSecret(source.provider);
  }
  writeFileSync(file, `${JSON.stringify({ ...stored, ...generated }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return generated;
}

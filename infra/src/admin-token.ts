import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir, statePath } from "./paths.ts";

/** Where `npm start` keeps its development admin token, beside the development webhook secrets. */
export const adminTokenFile = (): string => join(stateDir(), "admin-token");

/** A token as HOOKLOG_ADMIN_TOKENS takes it: hla_ and 32 random bytes in base64url, so it fits a Bearer header as is. */
export const newAdminToken = (): string => `hla_${randomBytes(32).toString("base64url")}`;

/**
 * For `npm start` only, when HOOKLOG_ADMIN_TOKENS is unset: the development admin token, generated
 * once and kept in .hooklog/admin-token (mode 600). `generated` says whether this call made it.
 */
export function developmentAdminToken(): { token: string; file: string; generated: boolean } {
  const file = statePath("admin-token");
  const stored = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  if (stored) return { token: stored, file, generated: false };
  const token = newAdminToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, generated: true };
}

/**
 * The token a project tool sends to an admin endpoint (Authorization: Bearer ...): the first of this
 * process's HOOKLOG_ADMIN_TOKENS, read as the services read it (comma-separated, trimmed), else the
 * one `npm start` keeps in the state directory (HOOKLOG_STATE_DIR); undefined when there is neither.
 */
export function adminTokenForClients(): string | undefined {
  const configured = (process.env.HOOKLOG_ADMIN_TOKENS ?? "")
    .split(",")
    .map((token) => token.trim())
    .find(Boolean);
  if (configured) return configured;
  const file = adminTokenFile();
  return (existsSync(file) && readFileSync(file, "utf8").trim()) || undefined;
}

import { createHash, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { Counter, type Registry } from "prom-client";

/** Why a request was refused its admin route; a label of the failure counter, never the token itself. */
export type BearerRefusal = "not_configured" | "missing" | "malformed" | "not_accepted";

export type BearerVerdict = { ok: true } | { ok: false; refusal: BearerRefusal; message: string };

/** Judges one request's Authorization header. */
export type BearerAuth = (authorization: string | undefined) => BearerVerdict;

// RFC 6750 §2.1: the scheme (case-insensitive, RFC 7235 §2.1), one or more spaces, one b64token.
const bearerCredentials = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const MESSAGES: Record<BearerRefusal, string> = {
  not_configured: "No admin token is configured, so this endpoint refuses every request: set HOOKLOG_ADMIN_TOKENS and restart the service.",
  missing: "This endpoint requires an admin token: send Authorization: Bearer <token>.",
  malformed: "The Authorization header must be Bearer <token>.",
  not_accepted: "The admin token was not accepted.",
};

const refused = (refusal: BearerRefusal): BearerVerdict => ({ ok: false, refusal, message: MESSAGES[refusal] });

const sha256 = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Accepts `Authorization: Bearer <token>` for any of `tokens` (several while one rotates). Both sides
 * are hashed first, so every comparison is of 32 bytes whatever the lengths, and the presented token
 * is compared with every accepted one without early exit: timing tells neither which nor how close.
 */
export function bearerAuth(tokens: readonly string[]): BearerAuth {
  const accepted = tokens.filter((token) => token.length > 0).map(sha256);
  return (authorization) => {
    if (accepted.length === 0) return refused("not_configured");
    // Node trims the header's surrounding whitespace on the wire; trim here too, so direct callers see the same.
    const header = authorization?.trim();
    if (!header) return refused("missing");
    const token = bearerCredentials.exec(header)?.[1];
    if (token === undefined) return refused("malformed");
    const presented = sha256(token);
    let matched = false;
    for (const digest of accepted) matched = timingSafeEqual(presented, digest) || matched;
    return matched ? { ok: true } : refused("not_accepted");
  };
}

/**
 * 401 with a Bearer challenge (RFC 6750 §3) and the project's error shape. The message says what to
 * send, never what was sent.
 */
export function sendUnauthorized(response: ServerResponse, verdict: Extract<BearerVerdict, { ok: false }>): void {
  const challenge = verdict.refusal === "not_accepted" ? 'Bearer realm="hooklog", error="invalid_token"' : 'Bearer realm="hooklog"';
  response
    .writeHead(401, { "content-type": "application/json", "www-authenticate": challenge })
    .end(JSON.stringify({ error: { code: "unauthorized", message: verdict.message } }));
}

export type AdminAuthFailures = Counter<"route" | "refusal">;

/** hooklog_admin_auth_failures_total{route, refusal} on the service's registry, created once per registry. */
export function adminAuthFailures(registry: Registry): AdminAuthFailures {
  const name = "hooklog_admin_auth_failures_total";
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as AdminAuthFailures;
  return new Counter({
    name,
    help: "Requests to admin routes refused for their credential, by route and why (not_configured, missing, malformed, not_accepted)",
    labelNames: ["route", "refusal"] as const,
    registers: [registry],
  });
}

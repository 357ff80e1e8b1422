/**
 * Request headers worth keeping with the event for audit. An allow-list, not a deny-list: a header we
 * have never seen (a sender's own auth header, say) is dropped rather than stored in the log forever.
 */
const KEPT = new Set(["user-agent", "content-type", "content-length", "webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp", "x-request-id", "x-webhook-id", "traceparent"]);
const KEPT_PREFIXES = ["x-github-"];
const NEVER = /signature|authorization|cookie|token|secret|key/i;

export function auditHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NEVER.test(name)) continue;
    if (KEPT.has(name) || KEPT_PREFIXES.some((prefix) => name.startsWith(prefix))) kept[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return kept;
}

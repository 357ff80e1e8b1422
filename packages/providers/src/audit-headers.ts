/**
 * The one rule for audit headers, applied by every provider module on both paths (ingest and
 * reconciliation): an allow-list per provider, not a deny-list, so a header never seen before (a
 * sender's own auth header, say) is dropped rather than stored in the log forever; and whatever
 * names a signature or credential is dropped even when a provider's list would match it.
 */
export interface AuditRule {
  names: readonly string[];
  prefixes?: readonly string[];
}

const NEVER = /signature|authorization|cookie|token|secret|key/i;

export function keepAuditHeaders(headers: Readonly<Record<string, string | undefined>>, rule: AuditRule): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NEVER.test(name)) continue;
    if (rule.names.includes(name) || rule.prefixes?.some((prefix) => name.startsWith(prefix))) kept[name] = value;
  }
  return kept;
}

import type { AuditRule } from "../audit-headers.ts";

/**
 * GitHub's own X-GitHub-* headers (delivery, event, hook and installation target) and its user
 * agent: all of them in the delivery ingest receives and in the delivery record reconciliation
 * fetches (https://docs.github.com/en/rest/repos/webhooks#get-a-delivery-for-a-repository-webhook).
 */
export const githubAuditRule: AuditRule = { names: ["user-agent"], prefixes: ["x-github-"] };

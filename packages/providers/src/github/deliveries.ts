// Reconciliation's fetch mode writes a failed delivery's payload itself, from the delivery record:
// https://docs.github.com/en/rest/repos/webhooks#get-a-delivery-for-a-repository-webhook
import { keepAuditHeaders } from "../audit-headers.ts";
import { isObject } from "@hooklog/core";
import type { FetchedEvent } from "../provider.ts";
import { githubAuditRule } from "./audit.ts";
import { githubFacts } from "./facts.ts";

export interface GitHubDeliveryRecord {
  guid: string;
  /** The record's `event`, e.g. pull_request. */
  event: string;
  /** The request GitHub sent: its headers (lower-cased) and the payload, which the API returns parsed. */
  request: { headers: Readonly<Record<string, string | undefined>>; payload: unknown };
}

/** The event the delivery carried, or undefined when GitHub returned no payload for it. */
export function eventFromGitHubDelivery(record: GitHubDeliveryRecord): FetchedEvent | undefined {
  const { payload } = record.request;
  if (!isObject(payload)) return undefined;
  const facts = githubFacts({ deliveryId: record.guid, eventName: record.event, payload });
  if (!facts.ok) return undefined;
  return {
    ...facts.facts,
    // These are the JSON bytes of the parsed payload, not the bytes first sent.
    payload: Buffer.from(JSON.stringify(payload), "utf8"),
    contentType: "application/json",
    headers: keepAuditHeaders(record.request.headers, githubAuditRule),
  };
}

// GitHub's facts, read the same way from a delivery ingest receives and from a delivery record
// reconciliation fetches: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
import { isObject } from "@hooklog/core";
import { integer, parseJsonObject, text, type JsonObject } from "../json.ts";
import type { Delivery, FactsResult } from "../provider.ts";
import { signedContentDigest } from "../signing/digest.ts";

export interface GitHubDeliveryParts {
  /** X-GitHub-Delivery: one guid per event, kept by redeliveries. */
  deliveryId: string;
  /** X-GitHub-Event, e.g. pull_request. */
  eventName: string;
  payload: JsonObject;
}

/**
 * Type `event.action`; key `owner/repo#number` for pull requests and issues, so their events keep
 * their order. providerTimestamp is null on both paths: GitHub's delivery headers carry no time,
 * and the delivery time its API lists belongs to an attempt (a redelivery has a later one), not to
 * the event, so ingest could never learn it and the two copies of an event would differ.
 */
export function githubFacts({ deliveryId, eventName, payload }: GitHubDeliveryParts): FactsResult {
  const action = text(payload.action);
  const repository = isObject(payload.repository) ? text(payload.repository.full_name) : undefined;
  const pull = isObject(payload.pull_request) ? integer(payload.pull_request.number) : undefined;
  const issue = isObject(payload.issue) ? integer(payload.issue.number) : undefined;
  const number = pull ?? issue ?? integer(payload.number);
  return {
    ok: true,
    facts: {
      providerEventId: deliveryId,
      type: action ? `${eventName}.${action}` : eventName,
      providerTimestamp: null,
      partitionKey: repository && number !== undefined ? `${repository}#${number}` : deliveryId,
    },
  };
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\b/;

export const isFormContentType = (contentType: string): boolean => FORM_TYPE.test(contentType);

/** GitHub may send `application/x-www-form-urlencoded` with the JSON in a `payload` field. */
function deliveryPayload(delivery: Delivery): JsonObject | undefined {
  if (!isFormContentType(delivery.contentType)) return parseJsonObject(delivery.rawBody);
  const payload = new URLSearchParams(delivery.rawBody.toString("utf8")).get("payload");
  return payload ? parseJsonObject(payload) : undefined;
}

export function githubDeliveryFacts(delivery: Delivery): FactsResult {
  const deliveryId = text(delivery.headers["x-github-delivery"]);
  const eventName = text(delivery.headers["x-github-event"]);
  if (!deliveryId || !eventName) return { ok: false, message: "GitHub deliveries need X-GitHub-Delivery and X-GitHub-Event headers" };
  const payload = deliveryPayload(delivery);
  if (!payload) return { ok: false, message: "GitHub payload must be a JSON object" };
  const facts = githubFacts({ deliveryId, eventName, payload });
  // X-GitHub-Delivery is not signed; the body is, and a redelivery sends the same bytes under the same guid.
  return facts.ok ? { ok: true, facts: { ...facts.facts, replayDigest: signedContentDigest([delivery.rawBody]) } } : facts;
}

import { createHash } from "node:crypto";
import type { SourceConfig } from "@hooklog/sources";

/** What ingest learns from a verified delivery: the keys of the envelope and of the partition. */
export interface EventFacts {
  providerEventId: string;
  type: string;
  /** Epoch ms, when the provider says. */
  providerTimestamp: number | null;
  /** Events about one entity share a partition, so they keep their order. */
  partitionKey: string;
}

export type FactsResult = { ok: true; facts: EventFacts } | { ok: false; message: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);
const count = (value: unknown): number | undefined => (typeof value === "number" && Number.isInteger(value) ? value : undefined);

function parseJson(body: Buffer): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined; // the caller answers 400: a signed body that is not a JSON object
  }
}

/** GitHub may send `application/x-www-form-urlencoded` with the JSON in a `payload` field. */
function githubPayload(body: Buffer, contentType: string): Json | undefined {
  if (!contentType.startsWith("application/x-www-form-urlencoded")) return parseJson(body);
  const payload = new URLSearchParams(body.toString("utf8")).get("payload");
  return payload ? parseJson(Buffer.from(payload)) : undefined;
}

function stripeFacts(body: Buffer): FactsResult {
  const event = parseJson(body);
  const id = text(event?.id);
  const type = text(event?.type);
  if (!event || !id || !type) return { ok: false, message: "Stripe event body must be a JSON object with string id and type" };
  const data = isObject(event.data) ? event.data : undefined;
  const object = isObject(data?.object) ? data.object : undefined;
  const created = count(event.created);
  return { ok: true, facts: { providerEventId: id, type, providerTimestamp: created === undefined ? null : created * 1000, partitionKey: text(object?.id) ?? id } };
}

function githubFacts(body: Buffer, headers: Readonly<Record<string, string | undefined>>, contentType: string): FactsResult {
  const delivery = text(headers["x-github-delivery"]);
  const name = text(headers["x-github-event"]);
  if (!delivery || !name) return { ok: false, message: "GitHub deliveries need X-GitHub-Delivery and X-GitHub-Event headers" };
  const payload = githubPayload(body, contentType);
  if (!payload) return { ok: false, message: "GitHub payload must be a JSON object" };
  const action = text(payload.action);
  const repository = isObject(payload.repository) ? text(payload.repository.full_name) : undefined;
  const pull = isObject(payload.pull_request) ? count(payload.pull_request.number) : undefined;
  const issue = isObject(payload.issue) ? count(payload.issue.number) : undefined;
  const number = pull ?? issue ?? count(payload.number);
  return {
    ok: true,
    facts: {
      providerEventId: delivery,
      type: action ? `${name}.${action}` : name,
      providerTimestamp: null,
      partitionKey: repository && number !== undefined ? `${repository}#${number}` : delivery,
    },
  };
}

function standardWebhooksFacts(body: Buffer, headers: Readonly<Record<string, string | undefined>>): FactsResult {
  const id = text(headers["webhook-id"]) ?? text(headers["svix-id"]);
  const timestamp = Number(headers["webhook-timestamp"] ?? headers["svix-timestamp"]);
  const payload = parseJson(body);
  const type = text(payload?.type);
  if (!id || !payload || !type) return { ok: false, message: "Standard Webhooks payload must be a JSON object with a string type" };
  const data = isObject(payload.data) ? payload.data : undefined;
  return { ok: true, facts: { providerEventId: id, type, providerTimestamp: Number.isFinite(timestamp) ? timestamp * 1000 : null, partitionKey: text(data?.id) ?? id } };
}

/** Generic HMAC senders vary: id from the body's `id` or an id header, else the body's digest; type from `type` or `event`. */
function hmacFacts(body: Buffer, headers: Readonly<Record<string, string | undefined>>, source: SourceConfig): FactsResult {
  const payload = parseJson(body);
  const id =
    text(payload?.id) ??
    text(headers["x-webhook-id"]) ??
    text(headers["x-request-id"]) ??
    `sha256:${createHash("sha256").update(body).digest("hex")}`;
  const type = text(payload?.type) ?? text(payload?.event) ?? "webhook";
  const timestampHeader = source.hmac?.timestampHeader;
  const timestamp = timestampHeader ? Number(headers[timestampHeader]) : Number.NaN;
  return { ok: true, facts: { providerEventId: id, type, providerTimestamp: Number.isFinite(timestamp) ? timestamp * 1000 : null, partitionKey: id } };
}

export function eventFacts(source: SourceConfig, body: Buffer, headers: Readonly<Record<string, string | undefined>>, contentType: string): FactsResult {
  switch (source.provider) {
    case "stripe":
      return stripeFacts(body);
    case "github":
      return githubFacts(body, headers, contentType);
    case "standard-webhooks":
      return standardWebhooksFacts(body, headers);
    case "hmac":
      return hmacFacts(body, headers, source);
    default: {
      const unknown: never = source.provider;
      throw new Error(`no event facts for provider ${String(unknown)}`);
    }
  }
}

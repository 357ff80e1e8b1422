// How a webhook body is kept in the catalog: JSON (jsonb) when it parses, else its text, else base64.
// A body is never a reason to fail an event: the log keeps the bytes whatever the catalog makes of them.
import type { WebhookInbound } from "@hooklog/consumer-kit";

export type StoredPayload = { form: "json"; json: string; value: unknown } | { form: "text"; text: string } | { form: "base64"; base64: string };

// jsonb refuses the escape \u0000 and lone surrogates (JSON.stringify writes a lone one as \udXXX):
// such a document is kept as its text instead. A literal backslash before "u0000" in a string also
// matches, and only costs that event its jsonb form.
const NOT_JSONB = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The stored form of the event's body: what `payload()` parses (JSON, GitHub's form encoding), else text, else base64. */
export function storedPayload(inbound: WebhookInbound): StoredPayload {
  let value: unknown;
  let parsed = true;
  try {
    value = inbound.payload();
  } catch {
    // UNPARSEABLE_PAYLOAD: neither JSON nor form-encoded JSON; kept as text or bytes below.
    parsed = false;
  }
  if (parsed) {
    const json = JSON.stringify(value);
    if (json !== undefined && !NOT_JSONB.test(json)) return { form: "json", json, value };
  }
  const text = utf8Text(inbound.event.payload);
  return text === undefined ? { form: "base64", base64: inbound.event.payload.toString("base64") } : { form: "text", text };
}

/** The body as text when it is valid UTF-8 that Postgres can hold (a text value cannot hold NUL). */
function utf8Text(body: Buffer): string | undefined {
  try {
    const text = utf8.decode(body);
    return text.includes("\u0000") ? undefined : text;
  } catch {
    // Not UTF-8: the caller keeps the bytes as base64.
    return undefined;
  }
}

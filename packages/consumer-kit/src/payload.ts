import { ConsumerKitError } from "./errors.ts";

// What ingest accepts (services/ingest/src/app.ts): any JSON type, and for GitHub a form body whose
// `payload` field holds the JSON ("Content type" in https://docs.github.com/en/webhooks/using-webhooks/creating-webhooks).
const JSON_TYPES = /^application\/([\w.+-]+\+)?json\b/;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/;

/** A payload that can never be read as JSON: retrying reads the same bytes, so it goes to the dead letters at once. */
export class UnparseablePayloadError extends ConsumerKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UNPARSEABLE_PAYLOAD", message, false, options);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UnparseablePayloadError(`${what} is not JSON`, { cause: error });
  }
}

/** The provider's JSON from a webhook body, read as its envelope's `contentType` says. */
export function parseWebhookPayload(contentType: string, body: Buffer): unknown {
  const type = contentType.trim().toLowerCase();
  if (FORM_TYPE.test(type)) {
    const payload = new URLSearchParams(body.toString("utf8")).get("payload");
    if (payload === null) throw new UnparseablePayloadError(`a ${contentType} body has no payload field`);
    return parseJson(payload, `the payload field of a ${contentType} body`);
  }
  if (JSON_TYPES.test(type)) return parseJson(body.toString("utf8"), `a ${contentType} body`);
  throw new UnparseablePayloadError(`content type ${contentType || "(none)"} is neither JSON nor form-encoded`);
}

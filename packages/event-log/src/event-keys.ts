// What the ledger and the envelope take as a provider's event id and type. Every writer checks at its
// door (ingest answers 400 invalid_event_id), and the writer checks again, so one bad event can never
// fail the ledger statement its batch shares.

/** Most UTF-8 bytes of a provider event id or type (the ledger's key stays far below Postgres' btree row limit). */
export const MAX_EVENT_KEY_BYTES = 255;

/** Ledger keys of signed content, beside provider ids: a prefix no id checked here can collide with by accident. */
export const SIGNED_CONTENT_KEY_PREFIX = "signed-sha256:";

// C0 controls (NUL included: Postgres text cannot hold it), DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `value` cannot be an event id or type (`what` names it in the message), or undefined when it can. */
export function eventKeyProblem(value: string, what: string): string | undefined {
  if (value.length === 0) return `${what} is empty`;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_EVENT_KEY_BYTES) return `${what} is ${bytes} bytes long; at most ${MAX_EVENT_KEY_BYTES} are taken`;
  if (CONTROL.test(value)) return `${what} contains a control character`;
  // The ledger's own keys of signed content: an id taking that form could stand for another event's content.
  if (value.startsWith(SIGNED_CONTENT_KEY_PREFIX)) return `${what} starts with ${SIGNED_CONTENT_KEY_PREFIX}, which the ledger keeps for itself`;
  return undefined;
}

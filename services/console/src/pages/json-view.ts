import { type Html, html } from "../html.ts";

/** Deeper than this, objects start folded: a large payload opens readable. */
const OPEN_DEPTH = 3;

/** A JSON value pretty-printed as nested, collapsible blocks: objects and arrays fold, scalars are coloured by type. */
export function jsonView(value: unknown, depth = 0): Html {
  if (value === null) return html`<span class="json-null">null</span>`;
  if (typeof value === "string") return html`<span class="json-string">${JSON.stringify(value)}</span>`;
  if (typeof value === "number") return html`<span class="json-number">${String(value)}</span>`;
  if (typeof value === "boolean") return html`<span class="json-boolean">${String(value)}</span>`;
  const entries: Array<[string | undefined, unknown]> = Array.isArray(value)
    ? value.map((each) => [undefined, each])
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return html`<span>${open}${close}</span>`;
  return html`<details class="json"${depth < OPEN_DEPTH ? html` open` : ""}><summary>${open} ${entries.length} ${Array.isArray(value) ? "items" : "fields"}</summary>${entries.map(
    ([key, each]) => html`<div>${key === undefined ? "" : html`<span class="json-key">${JSON.stringify(key)}</span>: `}${jsonView(each, depth + 1)}</div>`,
  )}<span>${close}</span></details>`;
}

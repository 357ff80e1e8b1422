// What free-text search finds an event by: its type, its ids and every string in its payload.

/**
 * Bounds the text a tsvector is built from: Postgres refuses a tsvector over 1 MB, and a 25 MB
 * GitHub payload must not fail its event. The ids and type come first, so they are always searchable.
 */
export const MAX_SEARCH_TEXT_CHARS = 200_000;

/** Space-separated: the fixed terms, then the payload's string values depth first, cut at MAX_SEARCH_TEXT_CHARS. */
export function searchText(terms: ReadonlyArray<string | null | undefined>, payload: unknown): string {
  const parts: string[] = [];
  let length = 0;
  const add = (text: string): boolean => {
    if (length >= MAX_SEARCH_TEXT_CHARS) return false;
    const part = text.length > MAX_SEARCH_TEXT_CHARS - length ? text.slice(0, MAX_SEARCH_TEXT_CHARS - length) : text;
    parts.push(part);
    length += part.length + 1;
    return true;
  };
  for (const term of terms) if (term) add(term);
  // An explicit stack: a deeply nested payload must not overflow the call stack.
  const stack: unknown[] = [payload];
  while (stack.length > 0 && length < MAX_SEARCH_TEXT_CHARS) {
    const value = stack.pop();
    if (typeof value === "string") add(value);
    else if (Array.isArray(value)) for (let index = value.length - 1; index >= 0; index -= 1) stack.push(value[index]);
    else if (value !== null && typeof value === "object") stack.push(...Object.values(value).reverse());
  }
  // Postgres text cannot hold NUL.
  return parts.join(" ").replaceAll("\u0000", " ");
}

/** HTML built from template literals: every interpolated value is escaped unless it is already Html. */
export class Html {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);

type Piece = Html | string | number | boolean | null | undefined | readonly Piece[];

function render(piece: Piece): string {
  if (piece === null || piece === undefined || piece === false) return "";
  if (piece instanceof Html) return piece.text;
  if (Array.isArray(piece)) return piece.map(render).join("");
  return escapeHtml(String(piece));
}

export function html(strings: TemplateStringsArray, ...values: Piece[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return new Html(out);
}

/** Text that is HTML already (built by `html` elsewhere, or a constant). */
export const raw = (text: string): Html => new Html(text);

/** A query string from a record, empty values left out. */
export function query(params: Record<string, string | number | undefined | readonly string[]>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === "") continue;
    if (Array.isArray(value)) for (const each of value) search.append(name, each);
    else search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

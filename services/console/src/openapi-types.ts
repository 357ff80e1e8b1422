/** The part of an OpenAPI 3.1 document an area contributes: its paths, as plain JSON. */
export type OpenApiPaths = Record<string, Record<string, unknown>>;

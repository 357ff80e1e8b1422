import type { ConsoleArea } from "../deps.ts";
import type { OpenApiPaths } from "../openapi-types.ts";

/** The sources page and its API: being built. */
export const sourcesArea: ConsoleArea = ({ pages }) => {
  pages.get("/sources", (_request, response) => {
    response.type("text/plain").send("Sources: not built yet.");
  });
};

export const sourcesPaths: OpenApiPaths = {};

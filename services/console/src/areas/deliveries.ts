import type { ConsoleArea } from "../deps.ts";
import type { OpenApiPaths } from "../openapi-types.ts";

/** The deliveries page and its API: being built. */
export const deliveriesArea: ConsoleArea = ({ pages }) => {
  pages.get("/deliveries", (_request, response) => {
    response.type("text/plain").send("Deliveries: not built yet.");
  });
};

export const deliveriesPaths: OpenApiPaths = {};

import type { ConsoleArea } from "../deps.ts";
import type { OpenApiPaths } from "../openapi-types.ts";

/** The consumers page and its API: being built. */
export const consumersArea: ConsoleArea = ({ pages }) => {
  pages.get("/consumers", (_request, response) => {
    response.type("text/plain").send("Consumers: not built yet.");
  });
};

export const consumersPaths: OpenApiPaths = {};

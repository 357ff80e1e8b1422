import type { ConsoleArea } from "../deps.ts";
import type { OpenApiPaths } from "../openapi-types.ts";

/** The reconciliation page and its API: being built. */
export const reconciliationArea: ConsoleArea = ({ pages }) => {
  pages.get("/reconciliation", (_request, response) => {
    response.type("text/plain").send("Reconciliation: not built yet.");
  });
};

export const reconciliationPaths: OpenApiPaths = {};

import type { ConsoleArea } from "../deps.ts";
import type { OpenApiPaths } from "../openapi-types.ts";

/** The events list and each event's page, and their API: being built. */
export const eventsArea: ConsoleArea = ({ pages }) => {
  pages.get("/events", (_request, response) => {
    response.type("text/plain").send("Events: not built yet.");
  });
};

export const eventsPaths: OpenApiPaths = {};

import { consumersPaths } from "./areas/consumers.ts";
import { deliveriesPaths } from "./areas/deliveries.ts";
import { eventsPaths } from "./areas/events.ts";
import { reconciliationPaths } from "./areas/reconciliation.ts";
import { sourcesPaths } from "./areas/sources.ts";

/**
 * The console's JSON API as OpenAPI 3.1, served at /openapi.json. Every path takes the same credential
 * as the pages: an admin token as a Bearer token (or the session cookie, with x-csrf-token on actions).
 */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Hooklog console API",
      version: "1",
      description:
        "What the console's pages show and do, as JSON. Errors are { error: { code, message } }: 400 bad_input, 401 unauthorized, 403 csrf_failed, 404 not_found, 409 conflict.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A token of HOOKLOG_ADMIN_TOKENS; actions are recorded under its name." },
        session: { type: "apiKey", in: "cookie", name: "hooklog_console", description: "The signed-in session; actions also need x-csrf-token." },
      },
      schemas: {
        Error: {
          type: "object",
          properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] } },
        },
      },
    },
    paths: { ...eventsPaths, ...deliveriesPaths, ...consumersPaths, ...sourcesPaths, ...reconciliationPaths },
  };
}

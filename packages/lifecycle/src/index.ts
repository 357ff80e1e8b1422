export { closeServer, listenOrExit, stopOnSignals } from "./lifecycle.ts";
export { operationsHandler, operationsServer } from "./operations.ts";
export type { OperationsHandler, OperationsOptions, OperationsRoute, Readiness } from "./operations.ts";
export { adminAuthFailures, bearerAuth, sendUnauthorized } from "./admin-auth.ts";
export type { AdminAuthFailures, BearerAuth, BearerRefusal, BearerVerdict } from "./admin-auth.ts";

export { closeServer, listenOrExit, stopOnSignals } from "./lifecycle.ts";
export { operationsHandler, operationsServer } from "./operations.ts";
export type { OperationsHandler, OperationsOptions, OperationsRoute, Readiness } from "./operations.ts";

export { closeServer, listenOrExit, stopOnSignals } from "./lifecycle.ts";

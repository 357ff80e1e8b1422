export { uniqueName } from "./names.ts";
export { testStack } from "./stack.ts";
export { readTopic } from "./read-topic.ts";
export type { ReadMessage } from "./read-topic.ts";
export { startServiceProcess, freePort } from "./service-process.ts";
export type { ServiceProcess } from "./service-process.ts";
export { eventually } from "./eventually.ts";
export type { EventuallyOptions } from "./eventually.ts";

export { uniqueName } from "./names.ts";
export { testStack } from "./stack.ts";
export { readTopic } from "./read-topic.ts";
export type { ReadMessage } from "./read-topic.ts";

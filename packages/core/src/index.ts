export { HooklogError, isRetryable } from "./errors.ts";
export { isObject } from "./objects.ts";
export { retryAfterMs } from "./retry-after.ts";
export { parseSince } from "./since.ts";

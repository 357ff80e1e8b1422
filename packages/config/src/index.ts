export { loadConfig, ConfigError, commonSettings } from "./load-config.ts";
export type { CommonSettings } from "./load-config.ts";
export { adminTokens } from "./admin-tokens.ts";
export { bindHost } from "./bind-host.ts";
export { z } from "zod";

export { loadConfig, ConfigError, commonSettings } from "./load-config.ts";
export type { CommonSettings } from "./load-config.ts";
export { adminTokens, namedAdminTokens } from "./admin-tokens.ts";
export type { AdminToken } from "./admin-tokens.ts";
export { bindHost } from "./bind-host.ts";
export { z } from "zod";

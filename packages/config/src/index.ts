export { loadConfig, ConfigError, commonSettings } from "./load-config.ts";
export type { CommonSettings } from "./load-config.ts";
export { z } from "zod";

export { loadSources, parseSources, secretEnvVar, defaultConfigPath, SourcesConfigError } from "./sources.ts";
export type { SourceConfig, HmacOptions, RateLimit } from "./sources.ts";

export { loadSources, parseSources, secretEnvVar, defaultConfigPath, SourcesConfigError } from "./sources.ts";
export type { SourceConfig, RateLimit } from "./sources.ts";

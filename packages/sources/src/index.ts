export { loadSources, parseSources, secretEnvVar, defaultConfigPath, SourcesConfigError, contentEncodingNames } from "./sources.ts";
export type { SourceConfig, RateLimit, ContentEncoding } from "./sources.ts";

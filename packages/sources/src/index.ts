export { loadSources, parseSources, secretEnvVar, secretList, defaultConfigPath, SourcesConfigError, contentEncodingNames } from "./sources.ts";
export type { SourceConfig, RateLimit, ContentEncoding } from "./sources.ts";
